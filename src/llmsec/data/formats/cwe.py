"""The MITRE CWE catalogue (XML or the CSV export) as one Document per weakness.

The text a model sees is ``"CWE-79: Name. Description Extended description"``;
``meta`` keeps the id, name, abstraction, status, parent ids (``ChildOf``),
every related weakness with its nature, and the CVE ids of the observed
examples. Only weaknesses are records: categories and views of the XML are
not. A deprecated weakness is read and rejected with reason ``"deprecated"``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._records import Document
from .._report import LoadReport
from ._jsonstream import open_text
from ._registry import FormatError, register_format
from ._rows import build_each, dict_rows

_RELATED = re.compile(r"NATURE:([A-Za-z]+):CWE ID:(\d+)")
_OBSERVED = re.compile(r"REFERENCE:(CVE-\d{4}-\d+)")
_SPACE = re.compile(r"\s+")


def _clean(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _document(
    cwe_id: str, name: str, description: str, extended: str, *, source: str, **meta: Any
) -> Document:
    """The Document for one weakness; raise ValueError when it is not usable."""
    if not cwe_id.isdigit():
        raise ValueError(f"bad CWE id {cwe_id!r}")
    if not name:
        raise ValueError("empty name")
    if not description:
        raise ValueError("empty description")
    if str(meta.get("status", "")).lower() == "deprecated" or name.startswith("DEPRECATED"):
        raise ValueError("deprecated")
    head = f"CWE-{cwe_id}: {name.rstrip('.')}."
    text = " ".join(part for part in (head, description, extended) if part)
    return Document(text, source=source, meta={"id": f"CWE-{cwe_id}", "name": name, **meta})


def _related(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    related = [{"nature": nature, "id": f"CWE-{num}"} for nature, num in dict.fromkeys(pairs)]
    parents = list(dict.fromkeys(r["id"] for r in related if r["nature"] == "ChildOf"))
    return {"parents": parents, "related": related}


@register_format("cwe-csv", record=Document, description="MITRE CWE CSV export (one weakness a row)")
def load_cwe_csv(path: Path, report: LoadReport) -> Iterator[Document]:
    """Read the CWE CSV export (``CWE-ID, Name, Weakness Abstraction, Status, Description, ...``).

    Raises:
        FormatError: the file lacks the ``CWE-ID``, ``Name`` or ``Description`` column.
    """

    def build(_: int, row: dict[str, str]) -> Document:
        return _document(
            row["CWE-ID"].strip().removeprefix("CWE-"),
            _clean(row["Name"]),
            _clean(row["Description"]),
            _clean(row.get("Extended Description")),
            source=str(path),
            abstraction=row.get("Weakness Abstraction", "").strip() or None,
            status=row.get("Status", "").strip() or None,
            observed_examples=list(dict.fromkeys(_OBSERVED.findall(row.get("Observed Examples") or ""))),
            **_related(_RELATED.findall(row.get("Related Weaknesses") or "")),
        )

    rows = dict_rows(path, report, required=("CWE-ID", "Name", "Description"), fmt="CWE CSV")
    yield from build_each(path, report, rows, build)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in elem if _local(c.tag) == name), None)


def _text_of(elem: ET.Element | None) -> str:
    return _clean(" ".join(elem.itertext())) if elem is not None else ""  # paragraphs stay apart


def _weakness(elem: ET.Element, source: str) -> Document:
    related_el = _child(elem, "Related_Weaknesses")
    pairs = [
        (r.get("Nature", ""), r.get("CWE_ID", ""))
        for r in (related_el if related_el is not None else [])
        if r.get("CWE_ID", "").isdigit()
    ]
    observed_el = _child(elem, "Observed_Examples")
    observed = [
        _text_of(_child(o, "Reference")) for o in (observed_el if observed_el is not None else [])
    ]
    return _document(
        elem.get("ID", "").strip(),
        _clean(elem.get("Name")),
        _text_of(_child(elem, "Description")),
        _text_of(_child(elem, "Extended_Description")),
        source=source,
        abstraction=elem.get("Abstraction"),
        status=elem.get("Status"),
        observed_examples=list(dict.fromkeys(o for o in observed if o.startswith("CVE-"))),
        **_related(pairs),
    )


@register_format("cwe-xml", record=Document, description="MITRE CWE catalogue XML (Weakness_Catalog), .gz ok")
def load_cwe_xml(path: Path, report: LoadReport) -> Iterator[Document]:
    """Stream the ``Weakness`` elements of a ``Weakness_Catalog`` XML file.

    ``line`` in a rejection is the weakness's 1-based position in the
    catalogue (the XML parser gives no line numbers for elements).

    Raises:
        FormatError: the file is not XML, is truncated (the parser's line and
            column are given), or its root is not ``Weakness_Catalog``.
    """
    n = 0
    try:
        with open_text(path) as fh:
            events = ET.iterparse(fh, events=("start", "end"))
            _, root = next(events)
            if _local(root.tag) != "Weakness_Catalog":
                raise FormatError(f"{path}: root element is {_local(root.tag)!r}, expected 'Weakness_Catalog'")
            for event, elem in events:
                if event != "end" or _local(elem.tag) != "Weakness":
                    continue
                n += 1
                try:
                    doc = _weakness(elem, str(path))
                except ValueError as exc:
                    report.reject(str(path), n, str(exc))
                    continue
                finally:
                    elem.clear()
                report.accept()
                yield doc
    except ET.ParseError as exc:
        line, col = exc.position
        raise FormatError(
            f"{path}: invalid XML at line {line} column {col} ({exc}); the file is truncated or not "
            "a CWE catalogue"
        ) from exc
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not valid UTF-8 ({exc.reason}); re-encode it as UTF-8") from exc
