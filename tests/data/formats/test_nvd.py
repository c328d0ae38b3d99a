"""NVD feeds (1.1, 2.0, gzip) and cvelistV5 records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmsec.data._report import LoadReport
from llmsec.data.formats import FormatError, iter_records
from llmsec.data.formats import _jsonstream as jsonstream


def _load(path: Path, fmt: str = "nvd", **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, fmt, report, **options))
    report.check()
    return records, report


def _v20_item(cve_id: str, cwe: str | None = "CWE-79", **extra: object) -> dict:
    cve = {
        "id": cve_id,
        "published": "2024-01-02T10:15:08.123",
        "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "es", "value": "XSS en"}, {"lang": "en", "value": f"XSS in {cve_id}."}],
        "weaknesses": [
            {"source": "cna@x", "type": "Secondary", "description": [{"lang": "en", "value": "CWE-20"}]},
            {"source": "nvd@nist.gov", "type": "Primary", "description": [{"lang": "en", "value": cwe}]},
        ]
        if cwe
        else [],
        "metrics": {
            "cvssMetricV31": [
                {
                    "source": "nvd@nist.gov",
                    "type": "Primary",
                    "cvssData": {
                        "version": "3.1",
                        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
                        "baseScore": 6.1,
                        "baseSeverity": "MEDIUM",
                    },
                }
            ],
            "cvssMetricV2": [
                {"cvssData": {"vectorString": "AV:N/AC:M/Au:N/C:N/I:P/A:N", "baseScore": 4.3},
                 "baseSeverity": "MEDIUM"}
            ],
        },
        "references": [{"url": "https://example.org/a"}, {"url": "https://example.org/b"}],
    }
    cve.update(extra)
    return {"cve": cve}


def _v20_feed(items: list[dict]) -> dict:
    return {"resultsPerPage": len(items), "startIndex": 0, "format": "NVD_CVE", "version": "2.0",
            "timestamp": "2024-01-03T00:00:00.000", "vulnerabilities": items}


@pytest.mark.integration
def test_real_nvd_11_feed(shared_data: Path) -> None:
    path = shared_data / "cve_text" / "nvdcve-1.1-recent_2023-03.json"
    records, report = _load(path)
    assert report.read == 678  # PROVENANCE: 678 CVE_Items
    assert report.reasons() == {"no CWE assigned": 193, "rejected CVE": 4}
    assert report.loaded == 481
    first = records[0]
    assert (first.label, first.group, first.time) == ("CWE-918", "CVE-2023-28112", "2023-03-17")
    assert first.meta["references"] == 3
    assert all(r.label.startswith(("CWE-", "NVD-CWE-")) for r in records)
    # every one of the 433 v3-scored CVEs keeps its vector (some of them lack a CWE and are rejected)
    assert sum(1 for r in records if r.meta["cvss_v3_vector"]) == 363
    # with a label for CWE-less CVEs only the 4 rejected CVEs are refused
    _, report = _load(path, missing_cwe="NVD-CWE-noinfo")
    assert (report.loaded, report.rejected) == (674, 4)


def test_nvd_20_feed_gz_and_plain(tmp_path: Path) -> None:
    items = [
        _v20_item("CVE-2024-0001"),
        _v20_item("CVE-2024-0002", cwe="NVD-CWE-Other"),
        _v20_item("CVE-2024-0003", cwe=None),
        _v20_item("CVE-2024-0004", vulnStatus="Rejected"),
        _v20_item("CVE-2024-0005", descriptions=[{"lang": "en", "value": "  "}]),
        _v20_item("CVE-2024-0006", cwe="CWE-banana"),
        {"notcve": {}},
    ]
    plain = tmp_path / "nvdcve-2.0-x.json"
    plain.write_text(json.dumps(_v20_feed(items)))
    gz = tmp_path / "nvdcve-2.0-x.json.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, gz):
        records, report = _load(path)
        assert report.read == 7 and report.loaded == 2
        assert [r.line for r in report.rejections] == [3, 4, 5, 6, 7]
        assert report.rejections[0].reason == "no CWE assigned"
        assert report.rejections[1].reason == "rejected CVE"
        assert report.rejections[2].reason == "no English description"
        assert "unknown CWE label" in report.rejections[3].reason
        assert "malformed vulnerabilities item" in report.rejections[4].reason
        one = records[0]
        assert one.text == "XSS in CVE-2024-0001."
        assert one.label == "CWE-79"  # the Primary weakness wins over the Secondary CWE-20
        assert one.meta["cwes"] == ["CWE-79", "CWE-20"]
        assert one.meta["cvss_v3_score"] == 6.1 and one.meta["severity"] == "MEDIUM"
        assert one.meta["cvss_v2_vector"] == "AV:N/AC:M/Au:N/C:N/I:P/A:N"
        assert one.time == "2024-01-02" and one.meta["references"] == 2
        assert records[1].label == "CWE-20"  # a specific CWE beats the NVD-CWE-Other placeholder
        assert records[1].meta["cwes"] == ["NVD-CWE-Other", "CWE-20"]


def test_nvd_streams_across_tiny_buffers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "_CHUNK", 7)
    items = [_v20_item(f"CVE-2024-{i:04d}") for i in range(1, 30)]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(_v20_feed(items), indent=1) + "\n")
    records, report = _load(path)
    assert report.loaded == 29
    assert [r.group for r in records] == [f"CVE-2024-{i:04d}" for i in range(1, 30)]


def test_nvd_non_finite_score_is_rejected(tmp_path: Path) -> None:
    item = _v20_item("CVE-2024-0001")
    item["cve"]["metrics"]["cvssMetricV31"][0]["cvssData"]["baseScore"] = float("nan")
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(_v20_feed([item, _v20_item("CVE-2024-0002")])))  # writes NaN
    _, report = _load(path)
    assert (report.loaded, report.rejected) == (1, 1)
    assert "non-finite CVSS score" in report.rejections[0].reason


def test_nvd_truncated_or_wrong_file_is_format_error(tmp_path: Path) -> None:
    text = json.dumps(_v20_feed([_v20_item("CVE-2024-0001"), _v20_item("CVE-2024-0002")]))
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) - 40])
    with pytest.raises(FormatError, match="character"):
        _load(path)
    path.write_text(json.dumps({"objects": []}))
    with pytest.raises(FormatError, match="CVE_Items"):
        _load(path)
    path.write_text("id,name\n1,2\n")
    with pytest.raises(FormatError):
        _load(path)


def _v5_record(cve_id: str, state: str = "PUBLISHED") -> dict:
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {"cveId": cve_id, "state": state, "datePublished": "2023-05-06T07:08:09.000Z"},
        "containers": {
            "cna": {
                "descriptions": [{"lang": "en", "value": "SQL injection in foo."}],
                "problemTypes": [{"descriptions": [{"lang": "en", "type": "CWE", "cweId": "CWE-89",
                                                    "description": "CWE-89 SQL Injection"}]}],
                "metrics": [{"cvssV3_1": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                          "baseScore": 9.8, "baseSeverity": "CRITICAL"}}],
                "references": [{"url": "https://example.org"}],
            },
            "adp": [{"problemTypes": [{"descriptions": [{"lang": "en", "type": "CWE",
                                                         "description": "CWE-20 Improper Input Validation"}]}]}],
        },
    }


def test_cvelist_v5_folder_and_file(tmp_path: Path) -> None:
    root = tmp_path / "cves" / "2023" / "1xxx"
    root.mkdir(parents=True)
    (root / "CVE-2023-1001.json").write_text(json.dumps(_v5_record("CVE-2023-1001")))
    (root / "CVE-2023-1002.json").write_text(json.dumps(_v5_record("CVE-2023-1002", state="REJECTED")))
    (root / "CVE-2023-1003.json").write_text('{"cveMetadata": {"cveId": "CVE-2023-1003"')
    (root / "CVE-2023-1004.json").write_bytes(b'{"x": "\xff"}')
    (root / "CVE-2023-1005.json").write_text(json.dumps({"hello": 1}))
    records, report = _load(tmp_path / "cves", "cvelist-v5")
    assert report.read == 5 and report.loaded == 1
    reasons = [r.reason for r in report.rejections]
    assert reasons[0] == "rejected CVE"
    assert "invalid JSON" in reasons[1] and "UTF-8" in reasons[2] and "not a CVE JSON 5 record" in reasons[3]
    one = records[0]
    assert (one.label, one.group, one.time) == ("CWE-89", "CVE-2023-1001", "2023-05-06")
    assert one.meta["cwes"] == ["CWE-89", "CWE-20"] and one.meta["cvss_v3_score"] == 9.8
    records, report = _load(root / "CVE-2023-1001.json", "cvelist-v5")
    assert report.loaded == 1
    with pytest.raises(FormatError, match="cveMetadata"):
        _load(root / "CVE-2023-1005.json", "cvelist-v5")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(st.one_of(_json_values, st.builds(lambda i: _v20_item(f"CVE-2024-{i:04d}"),
                                                     st.integers(1, 9999))), max_size=6),
    cut=st.none() | st.integers(min_value=0, max_value=4000),
    junk=st.binary(max_size=6),
)
def test_nvd_never_crashes_on_malformed_input(tmp_path: Path, items: list, cut: int | None, junk: bytes) -> None:
    data = json.dumps(_v20_feed(items)).encode()
    if cut is not None:
        data = data[:cut] + junk
    path = tmp_path / "feed.json"
    path.write_bytes(data)
    report = LoadReport("x")
    try:
        records = list(iter_records(path, "nvd", report))
    except FormatError:
        return
    report.check()
    assert report.read == len(items) and report.loaded == len(records)
