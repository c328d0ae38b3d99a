"""Line-based loaders read each physical line within MAX_LINE_BYTES: an overlong line is one
rejected record (never held in memory), reading goes on, and physical lines are counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import llmsec.data.formats._source as source
from llmsec.data._report import LoadReport
from llmsec.data.formats import iter_records

LIMIT = 1000
LONG = "x" * (5 * LIMIT)


@pytest.fixture(autouse=True)
def _small_line_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_LINE_BYTES", LIMIT)


def _load(path: Path, fmt: str, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, fmt, report, **options))
    report.check()
    return records, report


def _assert_one_long_line(report: LoadReport, line: int) -> None:
    assert [r.line for r in report.rejections] == [line]
    assert report.rejections[0].reason.startswith(f"line longer than {LIMIT} bytes")


def test_url_list(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    path.write_text(f"http://a.example/x\nhttp://b.example/{LONG}\nhttp://c.example/y\n")
    records, report = _load(path, "url-list", label="benign")
    assert [r.text for r in records] == ["http://a.example/x", "http://c.example/y"]
    _assert_one_long_line(report, 2)
    assert report.lines == 3


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    rows = [{"text": "a", "label": "x"}, {"text": LONG, "label": "x"}, {"text": "c", "label": "y"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    records, report = _load(path, "jsonl")
    assert [r.text for r in records] == ["a", "c"]
    _assert_one_long_line(report, 2)
    assert report.lines == 3


def test_zeek_log(tmp_path: Path) -> None:
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
              "duration", "conn_state", "tunnel_parents", "label", "detailed-label"]
    row = "1500000000.1\tC1\t10.0.0.1\t5000\t8.8.8.8\t53\tudp\tdns\t0.5\tSF\t-   Benign   -"
    lines = ["#separator \\x09", "#fields\t" + "\t".join(fields), row, row.replace("dns", LONG), row, "#close"]
    path = tmp_path / "conn.log.labeled"
    path.write_text("\n".join(lines) + "\n")
    records, report = _load(path, "iot23-zeek")
    assert len(records) == 2
    _assert_one_long_line(report, 4)
    assert report.lines == 6


def test_mbox(tmp_path: Path) -> None:
    msg = "From: a@b.example\nSubject: hi {n}\n\nbody {n}\n"
    path = tmp_path / "box.mbox"
    path.write_text("".join(
        "From x@y Mon Jan  1 00:00:00 2024\n" + msg.format(n=n) + (LONG + "\n" if n == 2 else "")
        for n in range(1, 4)))
    records, report = _load(path, "mbox", label="spam")
    assert [r.text.splitlines()[0] for r in records] == ["Subject: hi 1", "Subject: hi 3"]
    assert [r.line for r in report.rejections] == [6]  # the From line of message 2
    assert "line longer than" in report.rejections[0].reason
    assert report.lines == 16
