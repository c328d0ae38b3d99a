"""NIST Juliet C/C++: bad/good functions, comments stripped, flaw lines kept."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmsec.data._report import LoadReport
from llmsec.data.formats import FormatError, iter_records
from llmsec.data.formats.juliet import strip_c_comments


def _load(path: Path, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, "juliet", report, **options))
    report.check()
    return records, report


@pytest.mark.integration
def test_real_juliet_sample(shared_data: Path) -> None:
    root = shared_data / "vuln_code" / "juliet_c_v1.3" / "testcases"
    records, report = _load(root)
    assert report.rejected == 0
    assert report.loaded == 2137
    assert Counter(r.label for r in records) == {"safe": 1479, "vulnerable": 658}
    per_file: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        per_file[r.meta["file"]][r.label] += 1
    assert len(per_file) == 600  # PROVENANCE: 600 test-case files ...
    assert all(c["vulnerable"] >= 1 and c["safe"] >= 1 for c in per_file.values())
    assert len({r.meta["cwe"] for r in records}) == 20  # ... over 20 CWEs
    assert all(r.meta["flaw_lines"] for r in records if r.label == "vulnerable")
    assert not any(re.search(r"/\*|\*/|FLAW|\b(bad|good)", r.text) for r in records)
    one = [r for r in records if r.group == "CWE36_Absolute_Path_Traversal__char_file_fopen_01"]
    bad = next(r for r in one if r.label == "vulnerable")
    lines = bad.text.split("\n")
    assert lines[0] == "void func()" and bad.meta["function"] == "bad" and bad.meta["cwe"] == "CWE-36"
    assert [lines[k - 1].strip() for k in bad.meta["flaw_lines"]] == [
        "if (fgets(data+dataLen, (int)(FILENAME_MAX-dataLen), pFile) == NULL)", 'pFile = FOPEN(data, "wb+");']
    good = next(r for r in one if r.meta["function"] == "goodG2B")
    assert [good.text.split("\n")[k - 1].strip() for k in good.meta["fix_lines"]] == [
        'strcat(data, "c:\\\\temp\\\\file.txt");', 'strcat(data, "/tmp/file.txt");']


CASE = """/* TEMPLATE GENERATED TESTCASE FILE
Filename: CWE78_OS_Command_Injection__char_x_54a.c
*/
#include "std_testcase.h"
#define URL "http://example.org/*not a comment*/" // trailing

static int CWE78_OS_Command_Injection__char_x_54a_badGlobal = 0;

#ifndef OMITBAD

void CWE78_OS_Command_Injection__char_x_54b_badSink(char * data);

void CWE78_OS_Command_Injection__char_x_54a_bad()
{
    char * data = "a"; /* not a marker */
    char c = '"';
    /* POTENTIAL FLAW: data comes
     * from the environment */
    data = getenv("X");
    CWE78_OS_Command_Injection__char_x_54b_badSink(data); // call the sink
}

#endif /* OMITBAD */

#ifndef OMITGOOD

static void goodG2B()
{
    char * data;
    /* FIX: use a constant */
    data = "ls"; /* FLAW: not really */
    if (1) { puts("{"); }
}

void CWE78_OS_Command_Injection__char_x_54a_good()
{
    goodG2B();
}

#endif /* OMITGOOD */

#ifdef INCLUDEMAIN
int main(int argc, char * argv[])
{
#ifndef OMITGOOD
    CWE78_OS_Command_Injection__char_x_54a_good();
#endif
    return 0;
}
#endif
"""


def test_fixture_split_and_lines(tmp_path: Path) -> None:
    folder = tmp_path / "testcases" / "CWE78_OS_Command_Injection" / "s01"
    folder.mkdir(parents=True)
    (folder / "CWE78_OS_Command_Injection__char_x_54a.c").write_text(CASE)
    (folder / "CWE78_OS_Command_Injection__char_x_54b.c").write_bytes(b"int x = '\xff';\n")
    (folder / "CWE78_OS_Command_Injection__char_x_54c.c").write_text("int helper(void) { return 1; }\n")
    records, report = _load(tmp_path / "testcases")
    assert report.read == 4 and report.loaded == 2
    assert [r.reason for r in report.rejections] == ["not valid UTF-8",
                                                     "no function inside #ifndef OMITBAD / OMITGOOD"]
    bad, good = records
    assert (bad.label, good.label) == ("vulnerable", "safe")
    assert bad.group == good.group == "CWE78_OS_Command_Injection__char_x_54"
    assert bad.meta["cwe"] == "CWE-78" and bad.meta["function"] == "CWE78_OS_Command_Injection__char_x_54a_bad"
    assert bad.text.split("\n") == [
        "void func()", "{", '    char * data = "a";', "    char c = '\"';", '    data = getenv("X");',
        "    helper1(data);", "}"]
    assert bad.meta["flaw_lines"] == [5]
    assert good.text.split("\n")[3:5] == ['    data = "ls";', '    if (1) { puts("{"); }']
    assert good.meta["fix_lines"] == [4] and good.meta["flaw_lines"] == [4]
    records, _ = _load(tmp_path / "testcases", anonymize=False)
    assert records[1].text.startswith("static void goodG2B()")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FormatError, match="no Juliet"):
        _load(tmp_path / "empty")


def test_strip_c_comments() -> None:
    code = 'int a; /* x */\n/* only\n comment */\nchar *u = "http://x/*y*/"; // z\n\nchar q = \'/\';\n'
    assert strip_c_comments(code) == 'int a;\nchar *u = "http://x/*y*/";\n\nchar q = \'/\';\n'


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(CASE)), noise=st.text(alphabet="{}()/*\"'#\n ;ab", max_size=40),
       junk=st.binary(max_size=4))
def test_malformed_test_cases_never_crash(tmp_path: Path, cut: int, noise: str, junk: bytes) -> None:
    folder = tmp_path / "CWE78_OS_Command_Injection"
    folder.mkdir(exist_ok=True)
    (folder / "CWE78_OS_Command_Injection__char_x_01.c").write_bytes((CASE[:cut] + noise).encode() + junk)
    records, report = _load(folder)
    assert report.read >= 1 and report.loaded == len(records)
    assert all(r.text.strip() and r.label in ("vulnerable", "safe") for r in records)
