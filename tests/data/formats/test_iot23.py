"""IoT-23 loader: the shared CSV export, a Zeek conn.log.labeled fixture, malformed rows."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmsec.data import FormatError, LoadReport
from llmsec.data.formats.iot23 import load_iot23

FIELDS = [
    "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
    "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
    "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes",
]
# The real conn.log.labeled: tabs, but the last three fields joined by three spaces.
ZEEK_HEAD = "\n".join([
    "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn",
    "#open\t2019-01-14-16-32-43",
    "#fields\t" + "\t".join(FIELDS) + "\ttunnel_parents   label   detailed-label",
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool"
    "\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]   string   string",
])
ZEEK_ROW = ("1545403816.962094\tCrDn63WjJEmrWGjqf\t192.168.1.195\t41040\t185.244.25.235\t80\ttcp\t-\t"
            "3.139211\t0\t0\tS0\t-\t-\t0\tS\t3\t180\t0\t0\t-   Malicious   C&C")
CSV_HEADER = ",".join([*FIELDS, "tunnel_parents", "label", "detailed-label"])
CSV_ROW = ("1545403816.962094,CrDn63WjJEmrWGjqf,192.168.1.195,41040,185.244.25.235,80,tcp,,3.139211,0,0,"
           "S0,,,0,S,3,180,0,0,,Benign,-")


def _load(path: Path, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(load_iot23(path, report, **options))
    report.check()
    return records, report


@pytest.mark.integration
def test_real_csv_export(shared_data: Path) -> None:
    records, report = _load(shared_data / "nids_flow" / "IoT-23_CTU-Malware-Capture-34-1-labeled.csv",
                            labels="attack")
    assert (report.read, report.rejected) == (23145, 0)
    assert Counter(r.label for r in records) == {
        "DDoS": 14394, "C&C": 6706, "benign": 1923, "PartOfAHorizontalPortScan": 122}
    first = records[0]
    assert first.group == "192.168.1.195" and first.time == "2018-12-21T14:50:16.962094+00:00"
    assert first.text.startswith("id.orig_p=41040 id.resp_p=80 proto=tcp service=- duration=3.13921")
    assert "192.168" not in first.text and first.meta["uid"] == "CrDn63WjJEmrWGjqf"


def test_zeek_tab_log(tmp_path: Path) -> None:
    path = tmp_path / "conn.log.labeled"
    unset = ZEEK_ROW.replace("3.139211\t0\t0", "-\t-\t-")
    path.write_text(f"{ZEEK_HEAD}\n{ZEEK_ROW}\n{unset}\n{ZEEK_ROW.replace('41040', 'x')}\n#close\t2019-01-14\n")
    records, report = _load(path)
    assert [r.label for r in records] == ["malicious", "malicious"]
    assert records[0].meta["detailed_label"] == "C&C" and records[0].meta["features"]["duration"] == 3.139211
    assert "duration" not in records[1].meta["features"] and "duration=-" in records[1].text
    assert [(r.line, r.reason) for r in report.rejections] == [
        (11, "non-numeric value 'x' in numeric column 'id.orig_p'")]


def test_not_iot23(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match=r"id\.orig_h"):
        _load(path)


KINDS = {
    "ok": CSV_ROW.encode(),
    "mal": CSV_ROW.replace("Benign,-", "Malicious,DDoS").encode(),
    "nan": CSV_ROW.replace("3.139211", "NaN").encode(),
    "inf": CSV_ROW.replace("180", "inf").encode(),
    "short": CSV_ROW.rsplit(",", 3)[0].encode(),
    "badbytes": CSV_ROW.replace("S0", "S\xe90").encode("latin-1"),
    "unknown": CSV_ROW.replace("Benign", "Suspicious").encode(),
    "empty_label": CSV_ROW.replace("Benign", "").encode(),
    "header": CSV_HEADER.encode(),
}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(KINDS)), max_size=12))
def test_malformed_rows_always_reconcile(kinds: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(b"\n".join([CSV_HEADER.encode()] + [KINDS[k] for k in kinds]) + b"\n")
        records, report = _load(path)
    assert report.read == len(kinds)
    assert len(records) == kinds.count("ok") + kinds.count("mal")


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=300), zeek=st.booleans())
def test_arbitrary_bytes_after_header_never_crash(data: bytes, zeek: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.log"
        path.write_bytes((ZEEK_HEAD if zeek else CSV_HEADER).encode() + b"\n" + data)
        _load(path)
