"""Knowledge benchmarks: CyberMetric, SecEval, CTIBench."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmsec.data._records import Document, Example, MultipleChoice
from llmsec.data._report import LoadReport
from llmsec.data.formats import FormatError, iter_records


def _load(path: Path, fmt: str) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, fmt, report))
    report.check()
    return records, report


@pytest.mark.integration
def test_real_cybermetric_and_seceval(shared_data: Path) -> None:
    records, report = _load(shared_data / "sec_qa" / "CyberMetric-80-v1.json", "cybermetric")
    assert report.read == report.loaded == 80
    first = records[0]
    assert isinstance(first, MultipleChoice) and len(first.choices) == 4 and first.answer == "B"
    assert first.question.startswith("What is the primary requirement for an Random Bit Generator")

    records, report = _load(shared_data / "sec_qa" / "seceval_questions.json", "seceval")
    assert report.read == 2189
    assert dict(report.reasons()) == {"empty answer": 7}
    assert sum(len(r.answer) > 1 for r in records) == 738 + 176 + 13 - 2  # two "AA" answers mean "A"
    first = records[0]
    assert first.choices[0].startswith("The storage must contain") and first.answer == "B"
    assert first.meta["topics"] == ["SystemSecurity", "Vulnerability"] and first.meta["index"] == 1


@pytest.mark.integration
@pytest.mark.parametrize(("task", "count", "kind"), [("mcq", 2500, MultipleChoice), ("rcm", 1000, Example),
                                                     ("vsp", 1000, Example), ("ate", 60, Example),
                                                     ("taa", 50, Document)])
def test_real_ctibench(shared_data: Path, task: str, count: int, kind: type) -> None:
    records, report = _load(shared_data / "sec_qa" / "ctibench" / f"cti-{task}.tsv", f"ctibench-{task}")
    assert report.read == report.loaded == count
    assert all(isinstance(r, kind) for r in records)
    assert [r.meta["row"] for r in records] == list(range(1, count + 1))
    assert all(r.meta["prompt"] for r in records)
    if task == "rcm":
        assert (records[0].label, records[0].group) == ("CWE-416", "CVE-2024-23848")
        assert records[0].text.startswith("In the Linux kernel through 6.7.1, there is a use-after-free")
    if task == "vsp":
        assert records[0].label == "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H"
    if task == "ate":
        assert records[0].label == "T1070, T1071, T1083, T1573"
        assert records[0].meta["platform"] == "Enterprise"
    if task == "mcq":
        assert records[56].meta["empty_options"] == ["D"] and records[56].answer == "C"
        assert sum(1 for r in records if r.meta["empty_options"]) == 5


MCQ_HEADER = "URL\tQuestion\tOption A\tOption B\tOption C\tOption D\tPrompt\tGT\r\n"


def test_ctibench_mcq_fixture_rows(tmp_path: Path) -> None:
    path = tmp_path / "cti-mcq.tsv"
    rows = [
        "u1\tWhat?\ta\tb\tc\td\tP1\tb\r\n",
        "u2\tWhat?\ta\tb\tc\td\tP2\tE\r\n",
        MCQ_HEADER,
        "u4\t \ta\tb\tc\td\tP4\tA\r\n",
        "u5\tshort row\r\n",
    ]
    path.write_bytes((MCQ_HEADER + "".join(rows)).encode() + b"u6\tCaf\xe9?\ta\tb\tc\td\tP6\tA\r\n")
    records, report = _load(path, "ctibench-mcq")
    assert report.read == 6 and report.loaded == 1
    assert [(r.line, r.reason) for r in report.rejections] == [
        (3, "unknown label 'E'"), (4, "repeated header row"), (5, "empty question"),
        (6, "row has 2 fields, the header has 8"), (7, "not valid UTF-8")]
    assert records[0].answer == "B" and records[0].meta == {"row": 1, "url": "u1", "prompt": "P1",
                                                            "empty_options": []}


def test_ctibench_wrong_columns_and_bad_labels(tmp_path: Path) -> None:
    path = tmp_path / "cti-rcm.tsv"
    path.write_text("URL\tDescription\tPrompt\tGT\nhttps://nvd.nist.gov/vuln/detail/CVE-2024-1234\td\tp\tCWE-79\n"
                    "u\td\tp\tXSS\nu\td\tp\tCWE-89\n")
    records, report = _load(path, "ctibench-rcm")
    assert [r.meta["row"] for r in records] == [1, 3]  # rejected rows keep their place in the numbering
    assert records[0].group == "CVE-2024-1234" and report.rejections[0].reason == "unknown label 'XSS'"
    with pytest.raises(FormatError, match="missing column"):
        _load(path, "ctibench-mcq")
    path.write_text("URL\tPlatform\tDescription\tPrompt\tGT\nu\tMobile\td\tp\tT1626, T1001.002,T1626\n"
                    "u\tMobile\td\tp\tT16\n")
    records, report = _load(path, "ctibench-ate")
    assert records[0].label == "T1001.002, T1626" and report.rejected == 1


def test_seceval_and_cybermetric_fixtures(tmp_path: Path) -> None:
    path = tmp_path / "seceval.json"
    items = [{"id": "1", "question": "Q?", "choices": ["A: x", "B: y", "C: z"], "answer": "CA"},
             {"id": "2", "question": "Q?", "choices": ["A: x", "B: y"], "answer": "D"},
             {"id": "3", "question": "", "choices": ["A: x", "B: y"], "answer": "A"}, "junk"]
    path.write_text(json.dumps(items))
    records, report = _load(path, "seceval")
    assert records[0].answer == "AC" and records[0].choices == ("x", "y", "z")
    assert [r.reason for r in report.rejections] == ["unknown label 'D'", "empty question",
                                                     "question is not an object"]
    path.write_text(json.dumps({"questions": [{"question": "Q", "answers": {"A": "1", "B": "2"}, "solution": "b"},
                                              {"question": "Q", "answers": {"A": "1", "B": "2"}, "solution": "C"}]}))
    records, report = _load(path, "cybermetric")
    assert records[0].answer == "B" and report.rejections[0].reason == "unknown label 'C'"
    path.write_text(json.dumps({"questions": []})[:-3])
    with pytest.raises(FormatError):
        _load(path, "cybermetric")


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\t\r\n\""),
                max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=st.sampled_from(["mcq", "rcm", "vsp", "ate", "taa"]),
       rows=st.lists(st.lists(_cell, max_size=9), max_size=8), junk=st.binary(max_size=10))
def test_ctibench_never_crashes(tmp_path: Path, task: str, rows: list[list[str]], junk: bytes) -> None:
    header = {"mcq": MCQ_HEADER.strip().split("\t"), "rcm": ["URL", "Description", "Prompt", "GT"],
              "vsp": ["URL", "Description", "Prompt", "GT"], "ate": ["URL", "Platform", "Description", "Prompt", "GT"],
              "taa": ["URL", "Text", "Prompt"]}[task]
    path = tmp_path / "x.tsv"
    path.write_bytes(("\n".join("\t".join(r) for r in [header, *rows]) + "\n").encode() + junk)
    records, report = _load(path, f"ctibench-{task}")
    assert report.loaded == len(records)
    rows_read = [r.meta["row"] for r in records]
    assert rows_read == sorted(rows_read) and all(1 <= n <= report.read for n in rows_read)
