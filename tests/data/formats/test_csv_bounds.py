"""One stray quote costs one row, not the rest of the file; physical lines are counted."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from llmsec.data._report import LoadReport
from llmsec.data.formats import iter_records
from llmsec.data.formats._rows import MAX_RECORD_LINES, csv_rows, dict_rows
from llmsec.data.formats.nslkdd import KDD_FEATURES


def _load(path: Path, fmt: str, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, fmt, report, **options))
    report.check()
    return records, report


def _nslkdd_row(i: int) -> str:
    values = ["0", "tcp", "http", "SF", str(100 + i), "200"] + ["0"] * (len(KDD_FEATURES) - 6)
    return ",".join([*values, "normal" if i % 2 else "neptune", "20"])


def _unsw_rows(n: int) -> list[str]:
    header = "id,dur,proto,service,state,spkts,dpkts,sbytes,dbytes,attack_cat,label"
    rows = [f"{i},0.1,tcp,-,FIN,2,2,{100 + i},200,{'Normal' if i % 2 else 'Exploits'},{i % 2 ^ 1}"
            for i in range(1, n + 1)]
    return [header, *rows]


def _phishtank_rows(n: int) -> list[str]:
    header = "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target"
    rows = [f"{i},http://ex{i}.example.com/login,http://www.phishtank.com/phish_detail.php?phish_id={i},"
            f"2024-01-01T00:00:00+00:00,yes,2024-01-01T00:00:00+00:00,yes,Other" for i in range(1, n + 1)]
    return [header, *rows]


def _stray(lines: list[str], index: int) -> str:
    """The lines with a stray double quote opening a field of line ``index`` (0-based)."""
    parts = lines[index].split(",")
    parts[2] = '"' + parts[2]
    lines = list(lines)
    lines[index] = ",".join(parts)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("fmt", "lines", "header_lines"),
    [
        ("nsl-kdd", [_nslkdd_row(i) for i in range(1, 301)], 0),
        ("unsw-nb15", _unsw_rows(300), 1),
        ("phishtank", _phishtank_rows(300), 1),
    ],
)
def test_one_stray_quote_rejects_one_row(tmp_path: Path, fmt: str, lines: list[str], header_lines: int) -> None:
    path = tmp_path / "data.csv"
    row100 = header_lines + 99  # the 100th data row
    path.write_text(_stray(lines, row100))
    _, report = _load(path, fmt)
    assert (report.read, report.loaded, report.rejected) == (300, 299, 1)
    assert report.rejections[0].line == row100 + 1
    assert "stray" in report.rejections[0].reason
    assert report.lines == 300 + header_lines == report.read + header_lines
    assert "from 30" in report.summary()


def test_iot23_csv_export_and_url_features_are_line_oriented(tmp_path: Path) -> None:
    header = "ts,uid,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,service,duration,conn_state,label,detailed-label"
    rows = [f"15{i:08d}.1,C{i},192.168.1.{i % 200},4{i:04d},8.8.8.8,53,udp,dns,0.5,SF,"
            f"{'Benign' if i % 2 else 'Malicious'},-" for i in range(1, 51)]
    path = tmp_path / "conn.csv"
    path.write_text(_stray([header, *rows], 10))
    _, report = _load(path, "iot23-zeek")
    assert (report.read, report.loaded, report.rejected, report.lines) == (50, 49, 1, 51)


def test_multi_line_fields_still_load_within_the_bound(tmp_path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["sender", "subject", "body", "label"])
    for i in range(20):
        writer.writerow([f"a{i}@x.example", f"hello {i}", f"line one\nline two\n\nbye {i}", i % 2])
    text = buf.getvalue()
    path = tmp_path / "mail.csv"
    path.write_text(text)
    records, report = _load(path, "email-csv")
    assert report.loaded == 20 and report.rejected == 0
    assert report.lines == text.count("\n")
    assert "line two" in records[0].text


def test_a_stray_quote_in_a_multi_line_format_costs_one_row_past_the_bound(tmp_path: Path) -> None:
    rows = ["sender,subject,body,label"] + [f"a{i}@x.example,s{i},body {i},1" for i in range(1, 31)]
    rows[5] = 'a5@x.example,s5,"body 5,1'  # never closed
    path = tmp_path / "mail.csv"
    path.write_text("\n".join(rows) + "\n")
    rows_read = list(csv_rows(path, max_lines=10))  # bound 10 lines: rejected, reading resumes at line 7
    errors = [r for r in rows_read if r.error]
    assert [r.line for r in errors] == [6] and "10 lines" in errors[0].error
    assert [r.line for r in rows_read if not r.error] == [1, 2, 3, 4, 5, *range(7, 32)]
    assert MAX_RECORD_LINES == 10_000


def test_dict_rows_bounds_records_and_counts_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    lines = ["Question\tGT"] + [f"q{i}\tA" for i in range(1, 41)]
    lines[3] = '"q3\tA'
    path.write_text("\n".join(lines) + "\n")
    report = LoadReport(str(path))
    got = list(dict_rows(path, report, required=("Question", "GT"), delimiter="\t", fmt="t", max_lines=5))
    assert [line for line, _ in got] == [2, 3, *range(5, 42)]
    assert [(r.line, "stray" in r.reason) for r in report.rejections] == [(4, True)]
    assert report.lines == 41


def test_an_overlong_line_is_one_rejected_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import llmsec.data.formats._rows as rows_mod

    monkeypatch.setattr(rows_mod, "MAX_LINE_BYTES", 1000)
    lines = _unsw_rows(20)
    lines[5] = lines[5] + "," + "9" * 5000
    path = tmp_path / "u.csv"
    path.write_text("\n".join(lines) + "\n")
    _, report = _load(path, "unsw-nb15")
    assert (report.read, report.loaded, report.lines) == (20, 19, 21)
    assert report.rejections[0].line == 6 and "longer than 1000" in report.rejections[0].reason


def test_prepare_reports_physical_lines_beside_records(tmp_path: Path) -> None:
    from llmsec.data import prepare

    path = tmp_path / "unsw.csv"
    path.write_text(_stray(_unsw_rows(300), 100))
    report = prepare(path, format="unsw-nb15", task="nids-flow", out=tmp_path / "out", split="random",
                     dedup=False, scrub=False, audit=False)
    source = report.sources[0]
    assert (source.lines, source.read, source.loaded, source.rejected) == (301, 300, 299, 1)
    assert "| 301 | 300 | 299 | 1 |" in (tmp_path / "out" / "report.md").read_text()
    assert '"lines": 301' in (tmp_path / "out" / "report.json").read_text()
