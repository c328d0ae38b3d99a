"""Vulnerable-function datasets: Devign, CodeXGLUE, Big-Vul, PrimeVul, DiverseVul, CyberSecEval."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmsec.data._report import LoadReport
from llmsec.data.formats import FormatError, iter_records
from llmsec.data.formats.vuln_code import function_name, label_of

BAD = "static int copy(char *dst, const char *src)\n{\n    strcpy(dst, src);\n    return 0;\n}\n"
GOOD = "static int copy(char *dst, const char *src, size_t n)\n{\n    strncpy(dst, src, n);\n    return 0;\n}\n"


def _load(path: Path, fmt: str, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, fmt, report, **options))
    report.check()
    return records, report


def _jsonl(path: Path, objs: list) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    return path


@pytest.mark.integration
def test_real_purplellama_autocomplete(shared_data: Path) -> None:
    records, report = _load(shared_data / "vuln_code" / "purplellama_cyberseceval_autocomplete.json",
                            "purplellama-autocomplete")
    assert report.read == report.loaded == 1916  # PROVENANCE: 1,916
    assert {r.label for r in records} == {"vulnerable"}
    assert sum(r.meta["language"] == "python" for r in records) == 351
    first = records[0]
    assert first.meta["cwe"] == ["CWE-680"] and first.group == "markokr/libusual"
    assert first.meta["line_text"].strip() in first.text


def test_label_and_function_name() -> None:
    assert [label_of(v) for v in (1, 0, "1", "0.0", True, 1.0)] == ["vulnerable", "safe", "vulnerable", "safe",
                                                                      "vulnerable", "vulnerable"]
    for bad in (2, "yes", float("nan"), float("inf"), None, ""):
        with pytest.raises(ValueError, match="unknown label"):
            label_of(bad)
    assert function_name(BAD) == "copy"
    assert function_name("int Foo::bar(int x) const {\n if (x) { return 1; } }") == "Foo::bar"


def test_devign_function_json(tmp_path: Path) -> None:
    path = tmp_path / "function.json"
    items = [{"project": "FFmpeg", "commit_id": "c1", "target": 1, "func": BAD},
             {"project": "qemu", "commit_id": "c2", "target": 0, "func": GOOD},
             {"project": "qemu", "commit_id": "c3", "target": 3, "func": GOOD},
             {"project": "qemu", "commit_id": "c4", "target": 0, "func": "  "}, [1]]
    path.write_text(json.dumps(items))
    records, report = _load(path, "devign")
    assert [r.label for r in records] == ["vulnerable", "safe"]
    assert [r.group for r in records] == ["c1", "c2"]
    assert records[1].meta["project"] == "qemu" and records[1].meta["func_name"] == "copy"
    assert [(r.line, r.reason) for r in report.rejections] == [
        (3, "unknown label 3 (expected 0 or 1)"), (4, "empty code"), (5, "item is not a JSON object")]
    records, _ = _load(path, "devign", group_by="project")
    assert [r.group for r in records] == ["FFmpeg", "qemu"]
    with pytest.raises(ValueError, match="group_by"):
        _load(path, "devign", group_by="file")
    path.write_text(json.dumps(items)[:-20])
    with pytest.raises(FormatError, match="character"):
        _load(path, "devign")


def test_codexglue_and_diversevul(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "test.jsonl", [{"project": "FFmpeg", "commit_id": "c1", "target": 1, "func": BAD,
                                             "idx": 7}])
    with path.open("a") as fh:
        fh.write('{"project": "FFmpeg", "commit_id": "c2", "target": 0, "func": "int f(\n\n[1, 2]\n')
    records, report = _load(path, "codexglue-defect")
    assert records[0].meta["idx"] == 7 and records[0].label == "vulnerable"
    assert [(r.line, r.reason.split(" (")[0]) for r in report.rejections] == [(2, "invalid JSON"),
                                                                             (4, "line is not a JSON object")]
    path = _jsonl(tmp_path / "diversevul.json", [
        {"func": BAD, "target": 1, "cwe": ["CWE-787", "CWE-120"], "project": "openssl", "commit_id": "ab12",
         "hash": 1, "size": 5, "message": "fix overflow"},
        {"func": GOOD, "target": 0, "cwe": [], "project": "openssl", "commit_id": "ab12"}])
    records, report = _load(path, "diversevul")
    assert [r.label for r in records] == ["vulnerable", "safe"] and records[0].meta["cwe"] == ["CWE-787", "CWE-120"]
    assert records[0].group == records[1].group == "ab12"


def test_primevul_plain_and_paired(tmp_path: Path) -> None:
    def row(target: int, func: str, commit: str) -> dict:
        return {"idx": 100 + target, "project": "linux", "commit_id": commit, "target": target, "func": func,
                "cwe": ["CWE-416"], "cve": "CVE-2021-1234" if commit == "c1" else "None",
                "file_name": "a.c", "cve_desc": "d", "nvd_url": "u"}

    path = _jsonl(tmp_path / "primevul_test_paired.jsonl", [row(1, BAD, "c1"), row(0, GOOD, "c1"),
                                                            row(1, BAD, "c2"), row(0, GOOD, "c2")])
    records, report = _load(path, "primevul")
    assert report.loaded == 4
    assert [r.meta["pair"] for r in records] == [1, 1, 2, 2]
    assert [r.label for r in records] == ["vulnerable", "safe", "vulnerable", "safe"]
    assert records[0].group == "CVE-2021-1234" and records[0].meta["cwe"] == ["CWE-416"]
    assert records[2].group == "c2" and records[2].meta["cve"] is None  # "None" means no CVE
    plain = tmp_path / "primevul_valid.jsonl"
    plain.write_bytes(path.read_bytes())
    records, _ = _load(plain, "primevul")
    assert "pair" not in records[0].meta
    path.write_text("func,target\nx,1\n")
    with pytest.raises(FormatError, match="not JSON lines"):
        _load(path, "primevul")


def test_bigvul_csv(tmp_path: Path) -> None:
    header = ["", "CVE ID", "CWE ID", "commit_id", "func_after", "func_before", "lang", "project", "vul"]
    rows = [["0", "CVE-2017-1000", "CWE-119", "abc", GOOD, BAD, "C", "linux", "1"],
            ["1", "CVE-2017-1000", "CWE-119", "abc", GOOD, GOOD, "C", "linux", "0"],
            ["2", "", "", "def", "", GOOD, "C", "php", "nan"],
            ["3", "", "", "def", "", "", "C", "php", "0"]]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    path = tmp_path / "MSR_data_cleaned.csv"
    path.write_text(buf.getvalue())
    records, report = _load(path, "bigvul")
    assert [r.label for r in records] == ["vulnerable", "safe"]
    assert records[0].group == "CVE-2017-1000" and records[0].meta["cwe"] == ["CWE-119"]
    assert records[0].meta["func_after"] == GOOD and "func_after" not in records[1].meta
    assert [r.reason for r in report.rejections] == ["unknown label 'nan' (expected 0 or 1)", "empty code"]
    assert report.rejections[0].line > 3  # the line the row starts on (code fields span lines)
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="func_before"):
        _load(path, "bigvul")


_line = st.one_of(
    st.builds(lambda t, f: json.dumps({"func": f, "target": t, "commit_id": "c"}),
              st.one_of(st.integers(-1, 2), st.floats(), st.text(max_size=2), st.none()), st.text(max_size=12)),
    st.text(max_size=15),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(["codexglue-defect", "primevul", "diversevul"]), lines=st.lists(_line, max_size=8),
       cut=st.integers(0, 400), junk=st.binary(max_size=8))
def test_jsonl_datasets_never_crash(tmp_path: Path, fmt: str, lines: list[str], cut: int, junk: bytes) -> None:
    good = json.dumps({"func": BAD, "target": 1, "commit_id": "c"})
    data = ("\n".join([good, *lines]) + "\n").encode()
    path = tmp_path / "x.jsonl"
    path.write_bytes(data[: len(good) + 1 + cut] + junk)
    records, report = _load(path, fmt)
    assert report.loaded == len(records) >= 1
