"""NVD CVE feeds (JSON 1.1 and 2.0) and cvelistV5 CVE records as CWE-labelled examples.

Each CVE becomes ``Example(text=English description, label=primary CWE,
group=CVE id, time=publication date)``. The primary CWE is the first specific
``CWE-n`` the record names (NVD's primary weakness first in 2.0), else NVD's
placeholder (``NVD-CWE-Other`` / ``NVD-CWE-noinfo``).

A feed is one big JSON document: it is streamed item by item (memory stays
flat however large the file), but a truncated or malformed document raises
:class:`FormatError` with the character position, possibly after earlier items
were yielded, because none of its records can then be trusted.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._records import Example
from .._report import LoadReport
from ._jsonstream import load_document, stream_array
from ._registry import FormatError, register_format
from ._source import walk_files

log = logging.getLogger(__name__)

_CWE = re.compile(r"^(CWE-\d+|NVD-CWE-Other|NVD-CWE-noinfo)$")
_CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")


def _english(entries: Any) -> str:
    """The first non-empty English ``value`` of a list of ``{lang, value}``."""
    if not isinstance(entries, list):
        return ""
    for entry in entries:
        if isinstance(entry, dict) and entry.get("lang") in ("en", "eng", "en-US"):
            value = entry.get("value")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def primary_cwe(cwes: list[str]) -> str | None:
    """The first specific ``CWE-n`` in ``cwes``, else the first NVD placeholder, else None."""
    return next((c for c in cwes if c.startswith("CWE-")), None) or next(iter(cwes), None)


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"CVSS score is not a number: {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"non-finite CVSS score {value!r}")
    return float(value)


def _fields_v11(item: Any) -> dict[str, Any]:
    """The fields we keep from one NVD 1.1 ``CVE_Items`` entry."""
    cve = item["cve"]
    impact = item.get("impact") or {}
    v3 = (impact.get("baseMetricV3") or {}).get("cvssV3") or {}
    v2m = impact.get("baseMetricV2") or {}
    v2 = v2m.get("cvssV2") or {}
    cwes = [
        d.get("value")
        for pt in (cve.get("problemtype") or {}).get("problemtype_data") or []
        for d in pt.get("description") or []
    ]
    return {
        "id": cve["CVE_data_meta"]["ID"],
        "text": _english((cve.get("description") or {}).get("description_data")),
        "cwes": cwes,
        "published": item.get("publishedDate"),
        "rejected": False,
        "v3": (v3.get("vectorString"), v3.get("baseScore"), v3.get("baseSeverity")),
        "v2": (v2.get("vectorString"), v2.get("baseScore"), v2m.get("severity")),
        "references": len((cve.get("references") or {}).get("reference_data") or []),
    }


def _metric(metrics: dict[str, Any], *names: str) -> tuple[Any, Any, Any]:
    """(vector, score, severity) of the primary (else first) metric of the first kind present."""
    for name in names:
        entries = metrics.get(name) or []
        if entries:
            entry = next((e for e in entries if e.get("type") == "Primary"), entries[0])
            data = entry.get("cvssData") or {}
            return data.get("vectorString"), data.get("baseScore"), data.get("baseSeverity") or entry.get(
                "baseSeverity"
            )
    return None, None, None


def _fields_v20(item: Any) -> dict[str, Any]:
    """The fields we keep from one NVD 2.0 ``vulnerabilities`` entry."""
    cve = item["cve"]
    weaknesses = sorted(cve.get("weaknesses") or [], key=lambda w: w.get("type") != "Primary")
    cwes = [d.get("value") for w in weaknesses for d in w.get("description") or []]
    metrics = cve.get("metrics") or {}
    return {
        "id": cve["id"],
        "text": _english(cve.get("descriptions")),
        "cwes": cwes,
        "published": cve.get("published"),
        "rejected": cve.get("vulnStatus") == "Rejected",
        "v3": _metric(metrics, "cvssMetricV31", "cvssMetricV30"),
        "v2": _metric(metrics, "cvssMetricV2"),
        "references": len(cve.get("references") or []),
    }


def _example(fields: dict[str, Any], missing_cwe: str | None) -> Example:
    """The Example for one CVE's fields; raise ValueError when it is not usable."""
    cve_id = fields["id"]
    if not isinstance(cve_id, str) or not _CVE_ID.match(cve_id):
        raise ValueError(f"bad CVE id {cve_id!r}")
    text = fields["text"]
    if fields["rejected"] or text.startswith("** REJECT **"):
        raise ValueError("rejected CVE")
    if not text:
        raise ValueError("no English description")
    cwes = list(dict.fromkeys(c for c in fields["cwes"] if isinstance(c, str) and c))
    bad = [c for c in cwes if not _CWE.match(c)]
    if bad:
        raise ValueError(f"unknown CWE label {bad[0]!r}")
    label = primary_cwe(cwes) or missing_cwe
    if label is None:
        raise ValueError("no CWE assigned")
    published = fields["published"]
    if published is not None and not isinstance(published, str):
        raise ValueError(f"bad published date {published!r}")
    v3_vector, v3_score, v3_severity = fields["v3"]
    v2_vector, v2_score, v2_severity = fields["v2"]
    meta = {
        "cve_id": cve_id,
        "cwes": cwes,
        "cvss_v3_vector": v3_vector,
        "cvss_v3_score": _score(v3_score),
        "cvss_v2_vector": v2_vector,
        "cvss_v2_score": _score(v2_score),
        "severity": v3_severity or v2_severity,
        "published": published,
        "references": fields["references"],
    }
    return Example(text, label, group=cve_id, time=published[:10] if published else None, meta=meta)


@register_format(
    "nvd", record=Example, description="NVD CVE feed, JSON 1.1 (CVE_Items) or 2.0 (vulnerabilities), .gz ok"
)
def load_nvd(path: Path, report: LoadReport, missing_cwe: str | None = None) -> Iterator[Example]:
    """Stream the CVEs of an NVD JSON feed as CWE-labelled examples.

    The shape is detected from the top-level array: ``CVE_Items`` (feed 1.1)
    or ``vulnerabilities`` (API / feed 2.0). A record is rejected when it is a
    rejected CVE, has no English description, names an unknown CWE label, has a
    non-finite CVSS score or no CWE at all. ``line`` in a rejection is the
    item's 1-based position in the array.

    Args:
        path: the feed (plain or gzip).
        report: counts every CVE item read.
        missing_cwe: the label for CVEs without any CWE (e.g. ``"NVD-CWE-noinfo"``);
            None rejects them.

    Raises:
        FormatError: the file is not JSON, is truncated, or has neither array.
    """
    shapes = {"CVE_Items": _fields_v11, "vulnerabilities": _fields_v20}
    for n, (key, item) in enumerate(stream_array(path, tuple(shapes)), start=1):
        try:
            fields = shapes[key or ""](item)
        except (KeyError, TypeError, AttributeError) as exc:
            report.reject(str(path), n, f"malformed {key} item (missing or bad {exc})")
            continue
        try:
            example = _example(fields, missing_cwe)
        except ValueError as exc:
            report.reject(str(path), n, str(exc))
            continue
        report.accept()
        yield example


def _fields_v5(record: Any) -> dict[str, Any]:
    """The fields we keep from one cvelistV5 CVE JSON 5.x record."""
    meta = record["cveMetadata"]
    containers = record.get("containers") or {}
    cna = containers.get("cna") or {}
    adps = containers.get("adp") or []
    blocks = [cna, *adps]
    cwes = [
        d.get("cweId") or (d.get("description") or "").split()[0].rstrip(":")
        for block in blocks
        for pt in block.get("problemTypes") or []
        for d in pt.get("descriptions") or []
        if d.get("cweId") or (d.get("description") or "").startswith("CWE-")
    ]
    v3: tuple[Any, Any, Any] = (None, None, None)
    v2: tuple[Any, Any, Any] = (None, None, None)
    for block in blocks:
        for metric in block.get("metrics") or []:
            for key in ("cvssV3_1", "cvssV3_0"):
                if key in metric and v3[0] is None:
                    m = metric[key]
                    v3 = (m.get("vectorString"), m.get("baseScore"), m.get("baseSeverity"))
            if "cvssV2_0" in metric and v2[0] is None:
                m = metric["cvssV2_0"]
                v2 = (m.get("vectorString"), m.get("baseScore"), None)
    return {
        "id": meta["cveId"],
        "text": _english(cna.get("descriptions")),
        "cwes": cwes,
        "published": meta.get("datePublished"),
        "rejected": meta.get("state") == "REJECTED",
        "v3": v3,
        "v2": v2,
        "references": len(cna.get("references") or []),
    }


@register_format(
    "cvelist-v5", record=Example, description="cvelistV5 CVE JSON 5.x records: a file or a folder of them",
    folders=True,
)
def load_cvelist_v5(
    path: Path, report: LoadReport, missing_cwe: str | None = None, *, follow_symlinks: bool = False
) -> Iterator[Example]:
    """CVE JSON 5.x records (the CVEProject/cvelistV5 layout) as CWE-labelled examples.

    A folder is walked for ``CVE-*.json`` files, one record each (``line`` in
    a rejection is 1; a file that is not valid JSON or not a CVE record is a
    rejected record, and so is a symbolic link out of the folder unless
    ``follow_symlinks``, a FIFO or a device). A single file given directly must be a CVE record.
    CWEs come from the CNA's and the ADP containers' ``problemTypes``.

    Raises:
        FormatError: ``path`` is a single file that is not a CVE JSON 5 record.
    """
    if path.is_dir():
        files = walk_files(path, lambda p: p.name.startswith("CVE-") and p.suffix == ".json",
                           follow_symlinks=follow_symlinks)
    else:
        record = load_document(path)
        if not isinstance(record, dict) or "cveMetadata" not in record:
            raise FormatError(f"{path}: not a CVE JSON 5 record (no 'cveMetadata'); use format 'nvd' for feeds")
        files = [(path, None)]
    for file, refused in files:
        if refused:
            report.reject(str(file), 1, refused)
            continue
        try:
            record = load_document(file)
            fields = _fields_v5(record)
            example = _example(fields, missing_cwe)
        except FormatError as exc:
            report.reject(str(file), 1, str(exc).removeprefix(f"{file}: "))
            continue
        except (KeyError, TypeError, AttributeError) as exc:
            report.reject(str(file), 1, f"not a CVE JSON 5 record (missing or bad {exc})")
            continue
        except ValueError as exc:
            report.reject(str(file), 1, str(exc))
            continue
        report.accept()
        yield example
