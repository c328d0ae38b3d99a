"""CWE catalogue: the CSV export and the XML catalogue."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmsec.data._report import LoadReport
from llmsec.data.formats import FormatError, iter_records

HEADER = ["CWE-ID", "Name", "Weakness Abstraction", "Status", "Description", "Extended Description",
          "Related Weaknesses", "Observed Examples", ""]


def _load(path: Path, fmt: str) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, fmt, report))
    report.check()
    return records, report


@pytest.mark.integration
@pytest.mark.parametrize(("name", "count"), [("cwe_v4.14_view1000_research.csv", 938),
                                             ("cwe_v4.14_view699_softwaredev.csv", 399)])
def test_real_cwe_csv(shared_data: Path, name: str, count: int) -> None:
    records, report = _load(shared_data / "cve_text" / name, "cwe-csv")
    assert report.read == report.loaded == count  # PROVENANCE: 938 / 399 weaknesses
    by_id = {r.meta["id"]: r for r in records}
    xss = by_id["CWE-79"]
    assert xss.text.startswith("CWE-79: Improper Neutralization of Input During Web Page Generation")
    assert xss.meta["abstraction"] == "Base"
    assert "CWE-74" in xss.meta["parents"]
    assert all(c.startswith("CVE-") for c in xss.meta["observed_examples"]) and xss.meta["observed_examples"]


def _row(cwe_id: str = "79", name: str = "XSS", desc: str = "Bad input in pages.", status: str = "Stable") -> list:
    return [cwe_id, name, "Base", status, desc, "More words.",
            "::NATURE:ChildOf:CWE ID:74:VIEW ID:1000:ORDINAL:Primary::NATURE:CanPrecede:CWE ID:494:VIEW ID:1000::",
            "::REFERENCE:CVE-2021-1234:DESCRIPTION:x:LINK:https://x::", ""]


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def test_cwe_csv_fixture_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "cwe.csv"
    text = _csv([HEADER, _row(), _row("x1"), _row("80", desc=" "), HEADER, _row("81", status="Deprecated")])
    path.write_bytes(text.encode() + b'82,"Caf\xe9",Base,Draft,"d","","","",\n' + b"83,Short\n")
    records, report = _load(path, "cwe-csv")
    assert report.read == 7 and report.loaded == 1
    assert [(r.line, r.reason) for r in report.rejections] == [
        (3, "bad CWE id 'x1'"), (4, "empty description"), (5, "repeated header row"), (6, "deprecated"),
        (7, "not valid UTF-8"), (8, "row has 2 fields, the header has 9")]
    doc = records[0]
    assert doc.text == "CWE-79: XSS. Bad input in pages. More words."
    assert doc.meta["parents"] == ["CWE-74"]
    assert doc.meta["related"] == [{"nature": "ChildOf", "id": "CWE-74"}, {"nature": "CanPrecede", "id": "CWE-494"}]
    assert doc.meta["observed_examples"] == ["CVE-2021-1234"]


def test_cwe_csv_wrong_columns_is_format_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,name\n1,a\n")
    with pytest.raises(FormatError, match="CWE-ID"):
        _load(path, "cwe-csv")


CWE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Weakness_Catalog Name="CWE" Version="4.14" xmlns="http://cwe.mitre.org/cwe-7"
  xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <Weaknesses>
    <Weakness ID="79" Name="Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
      Abstraction="Base" Structure="Simple" Status="Stable">
      <Description>The product does not neutralize user input.</Description>
      <Extended_Description><xhtml:p>Cross-site scripting
        happens when</xhtml:p><xhtml:p>data enters a page.</xhtml:p></Extended_Description>
      <Related_Weaknesses>
        <Related_Weakness Nature="ChildOf" CWE_ID="74" View_ID="1000" Ordinal="Primary"/>
        <Related_Weakness Nature="ChildOf" CWE_ID="74" View_ID="699" Ordinal="Primary"/>
        <Related_Weakness Nature="PeerOf" CWE_ID="352" View_ID="1000"/>
      </Related_Weaknesses>
      <Observed_Examples>
        <Observed_Example><Reference>CVE-2021-25926</Reference><Description>x</Description></Observed_Example>
        <Observed_Example><Reference>CVE-2021-25963</Reference><Description>y</Description></Observed_Example>
      </Observed_Examples>
    </Weakness>
    <Weakness ID="1187" Name="DEPRECATED: Use of Uninitialized Resource" Abstraction="Base" Status="Deprecated">
      <Description>This entry has been deprecated.</Description>
    </Weakness>
    <Weakness ID="90" Name="LDAP Injection" Abstraction="Base" Status="Draft"><Description/></Weakness>
  </Weaknesses>
  <Categories><Category ID="1" Name="c" Status="Draft"><Summary>s</Summary></Category></Categories>
</Weakness_Catalog>
"""


def test_cwe_xml_fixture(tmp_path: Path) -> None:
    path = tmp_path / "cwec.xml"
    path.write_text(CWE_XML)
    records, report = _load(path, "cwe-xml")
    assert report.read == 3 and report.loaded == 1
    assert [(r.line, r.reason) for r in report.rejections] == [(2, "deprecated"), (3, "empty description")]
    doc = records[0]
    assert doc.text.startswith("CWE-79: Improper Neutralization of Input During Web Page Generation")
    assert doc.text.endswith("The product does not neutralize user input. Cross-site scripting happens "
                             "when data enters a page.")
    assert doc.meta["parents"] == ["CWE-74"]
    assert doc.meta["related"] == [{"nature": "ChildOf", "id": "CWE-74"}, {"nature": "PeerOf", "id": "CWE-352"}]
    assert doc.meta["observed_examples"] == ["CVE-2021-25926", "CVE-2021-25963"]
    assert (doc.meta["abstraction"], doc.meta["status"]) == ("Base", "Stable")


def test_cwe_xml_truncated_or_wrong_root(tmp_path: Path) -> None:
    path = tmp_path / "cwec.xml"
    path.write_text(CWE_XML[:900])
    with pytest.raises(FormatError, match="invalid XML at line"):
        _load(path, "cwe-xml")
    path.write_text("<html><body/></html>")
    with pytest.raises(FormatError, match="Weakness_Catalog"):
        _load(path, "cwe-xml")


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, max_size=10), max_size=8), junk=st.binary(max_size=12))
def test_cwe_csv_never_crashes(tmp_path: Path, rows: list[list[str]], junk: bytes) -> None:
    path = tmp_path / "cwe.csv"
    path.write_bytes(_csv([HEADER, _row(), *rows]).encode() + junk)
    report = LoadReport("x")
    records = list(iter_records(path, "cwe-csv", report))
    report.check()
    assert report.loaded == len(records) >= 1
