"""CIC-IDS2017 / CSE-CIC-IDS2018 loaders on fixtures with the datasets' real column names."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmsec.data import FormatError, LoadReport
from llmsec.data.formats.cicids import load_cicids2017, load_csecicids2018

# CIC-IDS2017 MachineLearningCVE header: leading spaces, "Fwd Header Length" twice.
CIC2017 = [
    " Destination Port", " Flow Duration", " Total Fwd Packets", " Total Backward Packets",
    "Total Length of Fwd Packets", " Total Length of Bwd Packets", " Fwd Packet Length Max",
    " Fwd Packet Length Min", " Fwd Packet Length Mean", " Fwd Packet Length Std",
    "Bwd Packet Length Max", " Bwd Packet Length Min", " Bwd Packet Length Mean",
    " Bwd Packet Length Std", "Flow Bytes/s", " Flow Packets/s", " Flow IAT Mean", " Flow IAT Std",
    " Flow IAT Max", " Flow IAT Min", "Fwd IAT Total", " Fwd IAT Mean", " Fwd IAT Std", " Fwd IAT Max",
    " Fwd IAT Min", "Bwd IAT Total", " Bwd IAT Mean", " Bwd IAT Std", " Bwd IAT Max", " Bwd IAT Min",
    "Fwd PSH Flags", " Bwd PSH Flags", " Fwd URG Flags", " Bwd URG Flags", " Fwd Header Length",
    " Bwd Header Length", "Fwd Packets/s", " Bwd Packets/s", " Min Packet Length", " Max Packet Length",
    " Packet Length Mean", " Packet Length Std", " Packet Length Variance", "FIN Flag Count",
    " SYN Flag Count", " RST Flag Count", " PSH Flag Count", " ACK Flag Count", " URG Flag Count",
    " CWE Flag Count", " ECE Flag Count", " Down/Up Ratio", " Average Packet Size",
    " Avg Fwd Segment Size", " Avg Bwd Segment Size", " Fwd Header Length", "Fwd Avg Bytes/Bulk",
    " Fwd Avg Packets/Bulk", " Fwd Avg Bulk Rate", " Bwd Avg Bytes/Bulk", " Bwd Avg Packets/Bulk",
    "Bwd Avg Bulk Rate", "Subflow Fwd Packets", " Subflow Fwd Bytes", " Subflow Bwd Packets",
    " Subflow Bwd Bytes", "Init_Win_bytes_forward", " Init_Win_bytes_backward", " act_data_pkt_fwd",
    " min_seg_size_forward", "Active Mean", " Active Std", " Active Max", " Active Min", "Idle Mean",
    " Idle Std", " Idle Max", " Idle Min", " Label",
]
# CSE-CIC-IDS2018 header (the 80-column files).
CIC2018 = [
    "Dst Port", "Protocol", "Timestamp", "Flow Duration", "Tot Fwd Pkts", "Tot Bwd Pkts",
    "TotLen Fwd Pkts", "TotLen Bwd Pkts", "Fwd Pkt Len Max", "Fwd Pkt Len Min", "Fwd Pkt Len Mean",
    "Fwd Pkt Len Std", "Bwd Pkt Len Max", "Bwd Pkt Len Min", "Bwd Pkt Len Mean", "Bwd Pkt Len Std",
    "Flow Byts/s", "Flow Pkts/s", "Flow IAT Mean", "Flow IAT Std", "Flow IAT Max", "Flow IAT Min",
    "Fwd IAT Tot", "Fwd IAT Mean", "Fwd IAT Std", "Fwd IAT Max", "Fwd IAT Min", "Bwd IAT Tot",
    "Bwd IAT Mean", "Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min", "Fwd PSH Flags", "Bwd PSH Flags",
    "Fwd URG Flags", "Bwd URG Flags", "Fwd Header Len", "Bwd Header Len", "Fwd Pkts/s", "Bwd Pkts/s",
    "Pkt Len Min", "Pkt Len Max", "Pkt Len Mean", "Pkt Len Std", "Pkt Len Var", "FIN Flag Cnt",
    "SYN Flag Cnt", "RST Flag Cnt", "PSH Flag Cnt", "ACK Flag Cnt", "URG Flag Cnt", "CWE Flag Count",
    "ECE Flag Cnt", "Down/Up Ratio", "Pkt Size Avg", "Fwd Seg Size Avg", "Bwd Seg Size Avg",
    "Fwd Byts/b Avg", "Fwd Pkts/b Avg", "Fwd Blk Rate Avg", "Bwd Byts/b Avg", "Bwd Pkts/b Avg",
    "Bwd Blk Rate Avg", "Subflow Fwd Pkts", "Subflow Fwd Byts", "Subflow Bwd Pkts", "Subflow Bwd Byts",
    "Init Fwd Win Byts", "Init Bwd Win Byts", "Fwd Act Data Pkts", "Fwd Seg Size Min", "Active Mean",
    "Active Std", "Active Max", "Active Min", "Idle Mean", "Idle Std", "Idle Max", "Idle Min", "Label",
]


def row2017(label: str = "BENIGN", port: int = 80, flow_bytes: str = "12345.67") -> str:
    values = [str(port), "38308", "1", "1", "6", "6"] + ["6"] * 8 + [flow_bytes, "52.2"] + ["0.5"] * 62
    return ",".join([*values, label])


def row2018(label: str = "Benign", port: int = 443, ts: str = "14/02/2018 08:31:01") -> str:
    values = [str(port), "6", ts, "112641719", "3", "0"] + ["0"] * 10 + ["0", "0.0266"] + ["1.5"] * 61
    return ",".join([*values, label])


def _load(loader, path: Path, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(loader(path, report, **options))
    report.check()
    return records, report


def test_headers_match_the_real_column_counts() -> None:
    assert len(CIC2017) == 79 and len(CIC2018) == 80
    assert len(row2017().split(",")) == 79 and len(row2018().split(",")) == 80


def test_cicids2017_fixture(tmp_path: Path) -> None:
    path = tmp_path / "Thursday-WorkingHours-Morning-WebAttacks.pcap_ISCX.csv"
    lines = [",".join(CIC2017).encode(), row2017().encode(),
             row2017("Web Attack \u2013 Brute Force", flow_bytes="3000").encode("cp1252"),
             row2017("DDoS", flow_bytes="Infinity").encode(), row2017("DDoS", flow_bytes="NaN").encode()]
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    records, report = _load(load_cicids2017, path, labels="attack")
    assert [r.label for r in records] == ["benign", "Web Attack - Brute Force"]
    assert [(r.line, r.reason) for r in report.rejections] == [
        (4, "non-finite value 'Infinity' in column 'Flow Bytes/s'"),
        (5, "non-finite value 'NaN' in column 'Flow Bytes/s'"),
    ]
    features = records[0].meta["features"]
    assert "Destination Port" in features and "Fwd Header Length.1" not in features
    assert len(features) == 77  # 79 columns - duplicate - label
    assert records[0].text.startswith("Destination_Port=80 Flow_Duration=38308 Total_Fwd_Packets=1")
    assert records[0].group is None and records[0].time is None


def test_cicids2017_nonfinite_zero(tmp_path: Path) -> None:
    path = tmp_path / "flows.csv"
    path.write_text(",".join(CIC2017) + "\n" + row2017("DDoS", flow_bytes="Infinity") + "\n")
    records, report = _load(load_cicids2017, path, nonfinite="zero")
    assert report.rejected == 0 and records[0].label == "malicious"
    assert records[0].meta["features"]["Flow Bytes/s"] == 0.0


def test_cse_cicids2018_repeated_header_mid_file(tmp_path: Path) -> None:
    path = tmp_path / "Wednesday-14-02-2018_TrafficForML_CICFlowMeter.csv"
    header = ",".join(CIC2018)
    path.write_text("\n".join([header, row2018(), row2018("FTP-BruteForce", 21), header,
                               row2018("SSH-Bruteforce", 22, "14/02/2018 10:00:00")]) + "\n")
    records, report = _load(load_csecicids2018, path)
    assert [r.label for r in records] == ["benign", "malicious", "malicious"]
    assert [(r.line, r.reason) for r in report.rejections] == [(4, "repeated header row")]
    assert records[2].meta["attack"] == "SSH-Bruteforce"
    assert records[0].time == "2018-02-14T08:31:01"
    assert "Timestamp" not in records[0].text and records[0].meta["Timestamp"] == "14/02/2018 08:31:01"


def test_2018_with_flow_ids_groups_by_source(tmp_path: Path) -> None:
    path = tmp_path / "Tuesday-20-02-2018.csv"
    header = ["Flow ID", "Src IP", "Src Port", "Dst IP", *CIC2018]
    row = "172.31.69.25-18.219.211.138-80-40218-6,18.219.211.138,40218,172.31.69.25," + row2018("DDoS-LOIC-HTTP")
    path.write_text(",".join(header) + "\n" + row + "\n")
    records, _ = _load(load_csecicids2018, path)
    assert records[0].group == "18.219.211.138"
    assert "18.219" not in records[0].text


def test_not_a_cic_csv(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(FormatError, match="Flow Duration"):
        _load(load_cicids2017, path)


KINDS = {
    "ok": row2018().encode(),
    "attack": row2018("DoS attacks-Hulk").encode(),
    "inf": row2018().replace("0.0266", "Infinity").encode(),
    "nan": row2018().replace("0.0266", "nan").encode(),
    "text": row2018().replace("0.0266", "fast").encode(),
    "short": row2018().rsplit(",", 4)[0].encode(),
    "long": (row2018() + ",x").encode(),
    "badbytes": row2018().replace("14/02", "\xff14/02").encode("latin-1"),
    "nolabel": row2018("").encode(),
    "numlabel": row2018("7").encode(),
    "header": ",".join(CIC2018).encode(),
}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(KINDS)), max_size=12))
def test_malformed_rows_always_reconcile(kinds: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(b"\n".join([",".join(CIC2018).encode()] + [KINDS[k] for k in kinds]) + b"\n")
        records, report = _load(load_csecicids2018, path)
    assert report.read == len(kinds)
    assert len(records) == kinds.count("ok") + kinds.count("attack")


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_after_header_never_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(",".join(CIC2017).encode() + b"\n" + data)
        _load(load_cicids2017, path)
