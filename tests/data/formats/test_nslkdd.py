"""NSL-KDD loader: the real KDDTest+ copy, header-less files, malformed rows."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmsec.data import FormatError, LoadReport
from llmsec.data.formats.nslkdd import load_nslkdd

ROW = ("0,tcp,private,REJ,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,229,10,0.0,0.0,1.0,1.0,0.04,0.06,"
       "0.0,255,10,0.04,0.06,0.0,0.0,0.0,0.0,1.0,1.0,neptune,21")
NORMAL = ROW.replace("neptune,21", "normal,20")
HEADER = "duration,protocol_type,service,flag," + ",".join(f"f{i}" for i in range(37)) + ",label,difficulty"


def _load(path: Path, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(load_nslkdd(path, report, **options))
    report.check()
    return records, report


@pytest.mark.integration
def test_real_kddtest_plus(shared_data: Path) -> None:
    records, report = _load(shared_data / "nids_flow" / "NSL-KDD_KDDTest+.txt")
    assert (report.read, report.loaded, report.rejected) == (22544, 22544, 0)
    labels = Counter(r.label for r in records)
    assert labels == {"benign": 9711, "malicious": 22544 - 9711}
    first = records[0]
    assert first.meta["attack"] == "neptune" and first.meta["difficulty"] == 21
    assert first.meta["features"]["count"] == 229.0 and len(first.meta["features"]) == 38
    assert first.text.startswith("duration=0 protocol_type=tcp service=private flag=REJ src_bytes=0")


def test_headerless_file_and_attack_labels(tmp_path: Path) -> None:
    path = tmp_path / "KDDTrain+.txt"
    path.write_text(f"{ROW}\n{NORMAL.rsplit(',', 1)[0]}\n")  # second row: no difficulty (42 fields)
    records, report = _load(path, labels="attack")
    assert [r.label for r in records] == ["neptune", "normal"]
    assert records[1].meta["difficulty"] is None
    assert report.rejected == 0


def test_bad_rows_are_rejected_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "kdd.txt"
    rows = [HEADER, ROW, HEADER, ROW.replace("229", "nan"), ROW.replace("229", "abc"),
            ROW.rsplit(",", 3)[0], ROW.replace("neptune", ""), ROW.replace("neptune", "12")]
    path.write_text("\n".join(rows) + "\n")
    records, report = _load(path)
    assert len(records) == 1
    assert [(r.line, r.reason) for r in report.rejections] == [
        (3, "repeated header row"),
        (4, "non-finite value 'nan' in column 'count'"),
        (5, "non-numeric value 'abc' in numeric column 'count'"),
        (6, "expected 42 or 43 columns, got 40"),
        (7, "unknown label ''"),
        (8, "unknown label '12'"),
    ]


def test_not_nslkdd_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text('{"a": 1}\n')
    with pytest.raises(FormatError, match="not NSL-KDD"):
        _load(path)


BAD_KINDS = {
    "ok": ROW.encode(),
    "nan": ROW.replace("229", "NaN").encode(),
    "inf": ROW.replace("0.04", "inf", 1).encode(),
    "short": ROW.rsplit(",", 5)[0].encode(),
    "long": (ROW + ",1,2").encode(),
    "latin1": ROW.replace("private", "priv\xe9").encode("latin-1"),
    "empty_label": ROW.replace("neptune", " ").encode(),
    "header": HEADER.encode(),
}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(BAD_KINDS)), max_size=12))
def test_malformed_rows_always_reconcile(kinds: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kdd.txt"
        path.write_bytes(b"\n".join([ROW.encode()] + [BAD_KINDS[k] for k in kinds]) + b"\n")
        records, report = _load(path)
    assert report.read == 1 + len(kinds)
    assert report.loaded == len(records) == 1 + kinds.count("ok")
    assert all(r.reason for r in report.rejections)


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=200), after_valid_row=st.booleans())
def test_arbitrary_bytes_never_crash(data: bytes, after_valid_row: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kdd.txt"
        path.write_bytes((ROW.encode() + b"\n" if after_valid_row else b"") + data)
        try:
            _load(path)  # _load checks loaded + rejected == read
        except FormatError:
            assert not after_valid_row
