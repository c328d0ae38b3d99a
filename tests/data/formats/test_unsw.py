"""UNSW-NB15 loader: both shared files, the official layout, malformed rows."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmsec.data import FormatError, LoadReport
from llmsec.data.formats.unsw import load_unsw

# The official UNSW_NB15_training-set.csv layout (first columns and the last two).
HEADER = "id,dur,proto,service,state,spkts,dpkts,sbytes,dbytes,rate,attack_cat,label"
ROW = "1,0.121478,tcp,-,FIN,6,4,258,172,74.08749,Normal,0"
ATTACK = "2,0.000009,udp,dns,INT,2,0,114,0,111111.1072,Generic,1"


def _load(path: Path, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(load_unsw(path, report, **options))
    report.check()
    return records, report


@pytest.mark.integration
def test_real_sampled_file(shared_data: Path) -> None:
    records, report = _load(shared_data / "nids_flow" / "UNSW-NB15_unsw-nb15_1_sampled.csv")
    assert (report.read, report.rejected) == (7000, 0)
    assert Counter(r.label for r in records) == {"benign": 6796, "malicious": 204}
    first = records[0]
    assert "ct_src_ltm" in first.meta["features"]  # header's quoted "'ct_src_ ltm'" normalised
    assert first.text.startswith("proto=tcp state=FIN dur=0.098989 sbytes=4550 dbytes=70026")
    assert first.time == "2015-01-22T18:36:12+00:00" and "Stime" not in first.text


@pytest.mark.integration
def test_real_one_hot_training_file(shared_data: Path) -> None:
    records, report = _load(shared_data / "nids_flow" / "UNSW-NB15_unsw-nb15_training_10K.csv")
    assert (report.read, report.rejected) == (10000, 0)
    assert Counter(r.label for r in records) == {"benign": 5000, "malicious": 5000}
    first = records[0]
    assert first.text.startswith("dur=4e-06 proto=other service=- state=INT sbytes=200")
    assert first.meta["features"]["proto=other"] == 1.0 and len(first.meta["features"]) == 32


def test_official_layout_attack_labels(tmp_path: Path) -> None:
    path = tmp_path / "UNSW_NB15_training-set.csv"
    path.write_text(f"{HEADER}\n{ROW}\n{ATTACK}\n")
    records, _ = _load(path, labels="attack")
    assert [r.label for r in records] == ["normal", "Generic"]
    assert records[1].meta["attack_cat"] == "Generic" and records[1].meta["id"] == "2"
    assert "id=" not in records[0].text


def test_attack_labels_need_attack_cat(shared_data: Path) -> None:
    with pytest.raises(ValueError, match="attack_cat"):
        _load(shared_data / "nids_flow" / "UNSW-NB15_unsw-nb15_training_10K.csv", labels="attack")


def test_one_hot_group_with_two_hot_columns_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "oh.csv"
    path.write_text("dur,proto=tcp,proto=udp,sbytes,label\n0.1,1,0,10,0\n0.1,1,1,10,1\n")
    records, report = _load(path)
    assert len(records) == 1
    assert report.rejections[0].reason == "one-hot group 'proto' has more than one column set"


def test_not_unsw(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="label"):
        _load(path)


KINDS = {
    "ok": ROW.encode(),
    "attack": ATTACK.encode(),
    "nan": ROW.replace("74.08749", "nan").encode(),
    "inf": ROW.replace("0.121478", "-inf").encode(),
    "text": ROW.replace("258", "lots").encode(),
    "short": ROW.rsplit(",", 2)[0].encode(),
    "badbytes": ROW.replace("FIN", "F\xefN").encode("latin-1"),
    "unknown_label": ROW[:-1].encode() + b"maybe",
    "empty_label": ROW[:-1].encode(),
    "header": HEADER.encode(),
}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(KINDS)), max_size=12))
def test_malformed_rows_always_reconcile(kinds: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(b"\n".join([HEADER.encode()] + [KINDS[k] for k in kinds]) + b"\n")
        records, report = _load(path)
    assert report.read == len(kinds)
    assert len(records) == kinds.count("ok") + kinds.count("attack")


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=300), with_header=st.booleans())
def test_arbitrary_bytes_never_crash(data: bytes, with_header: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes((HEADER.encode() + b"\n" if with_header else b"") + data)
        try:
            _load(path)
        except FormatError:
            assert not with_header
