"""Phishing and benign URL lists: PhishTank dumps, plain URL lists, URL feature tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .._records import Example
from .._report import LoadReport
from ._flows import to_number
from ._registry import FormatError, register_format
from ._rows import Row, RowError, csv_rows, first_row, has_bad_utf8, norm_header, rows_to_records
from ._source import counted_lines, open_source

PHISHING, BENIGN = "phishing", "benign"
_HOST = re.compile(r"^[\w.-]+$|^\[[0-9a-fA-F:.]+\]$")


@lru_cache(maxsize=1)
def _extractor() -> Any:
    """tldextract with its bundled public-suffix snapshot: never fetches the list."""
    try:
        import tldextract
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("URL formats need tldextract: pip install tldextract") from exc
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(host: str) -> str:
    """The registrable domain of ``host`` (``a.b.example.co.uk`` -> ``example.co.uk``);
    the host itself for IP addresses and names without a public suffix."""
    parts = _extractor()(host)
    domain = getattr(parts, "top_domain_under_public_suffix", None)
    if domain is None:  # tldextract < 5.3
        domain = parts.registered_domain
    return domain or host


def url_parts(url: str) -> dict[str, str]:
    """``host``, ``scheme`` and ``registered_domain`` of a URL (scheme-less URLs allowed).

    Raises:
        RowError: the text is not a URL with a host name.
    """
    text = url.strip()
    if not text:
        raise RowError("empty URL")
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
        host = parts.hostname or ""
    except ValueError:
        raise RowError(f"unparsable URL {text[:60]!r}") from None
    if not host or not _HOST.match(host.strip("[]") if ":" in host else host):
        raise RowError(f"not a URL (no host name): {text[:60]!r}")
    scheme = parts.scheme if "://" in text else ""
    return {"host": host, "scheme": scheme, "registered_domain": registered_domain(host)}


def _iso(value: str) -> str | None:
    try:
        return datetime.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


def _header(path: Path, rows: Iterator[Row], required: tuple[str, ...], what: str) -> list[str]:
    header = norm_header(first_row(path, rows, what).fields)
    missing = [c for c in required if c not in header]
    if missing:
        raise FormatError(
            f"{path} is not {what}: its header {','.join(header)[:100]!r} lacks {missing}"
        )
    return header


@register_format("phishtank", record=Example,
                 description="PhishTank dump (online-valid.csv): one phishing URL a row")
def load_phishtank(path: Path, report: LoadReport) -> Iterator[Example]:
    """One ``phishing`` Example per PhishTank entry; the text is the URL as submitted.

    Group: the URL's registered domain. Time: ``submission_time`` (ISO).
    Meta: ``phish_id``, ``target``, ``verified``, ``online``, ``host``, ``scheme``,
    ``registered_domain``, ``source_row``.
    """
    rows = csv_rows(path, report=report)
    header = _header(path, rows, ("phish_id", "url"), "a PhishTank CSV")
    at = {h: i for i, h in enumerate(header)}

    def make(row: Row) -> Example:
        url = row.fields[at["url"]].strip()
        parts = url_parts(url)
        meta: dict[str, Any] = {k: row.fields[at[k]].strip()
                                for k in ("phish_id", "target", "verified", "online") if k in at}
        time = _iso(row.fields[at["submission_time"]]) if "submission_time" in at else None
        return Example(url, PHISHING, parts["registered_domain"], time,
                       {**meta, **parts, "source_row": row.line})

    yield from rows_to_records(path, report, rows, header, make)


@register_format("url-list", record=Example,
                 description="plain URL list, one URL a line, one label for all (default benign)")
def load_url_list(path: Path, report: LoadReport, *, label: str = BENIGN) -> Iterator[Example]:
    """One Example per URL line (blank lines and ``#`` comments skipped).

    Args:
        label: the label of every URL in the file (raw lists carry none).

    A first line that is not a URL means the file is not a URL list (FormatError);
    later non-URL lines are rejected. Group: registered domain. Meta: ``host``,
    ``scheme``, ``registered_domain``, ``source_row``.
    """
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"url-list needs a non-empty label option, got {label!r}")
    seen_url = False
    with open_source(path) as fh:
        for lineno, raw in counted_lines(fh, path, report):
            text = raw.decode("utf-8", "surrogateescape").strip()
            if not text or text.startswith("#"):
                continue
            try:
                if has_bad_utf8(text):
                    raise RowError("not valid UTF-8")
                parts = url_parts(text)
            except RowError as exc:
                if not seen_url:
                    raise FormatError(f"{path} is not a URL list: line {lineno}: {exc}") from None
                report.reject(str(path), lineno, str(exc))
                continue
            seen_url = True
            report.accept()
            yield Example(text, label, parts["registered_domain"], None, {**parts, "source_row": lineno})


@register_format("url-features", record=Example,
                 description="URL feature table: Domain + numeric features + Label (1 = phishing)")
def load_url_features(path: Path, report: LoadReport) -> Iterator[Example]:
    """One Example per row of a URL feature table such as ``5.urldata.csv``.

    The text is the ``Domain`` field (host and path, as the table gives it); label
    ``Label`` 1 -> ``phishing``, 0 -> ``benign``; every other column is a numeric
    feature in ``meta["features"]``. Group: the registered domain.
    """
    rows = csv_rows(path, report=report)
    header = _header(path, rows, ("Domain", "Label"), "a URL feature table")
    at_domain, at_label = header.index("Domain"), header.index("Label")
    names = [(i, h) for i, h in enumerate(header) if i not in (at_domain, at_label)]

    def make(row: Row) -> Example:
        domain = row.fields[at_domain].strip()
        parts = url_parts(domain)
        raw = row.fields[at_label].strip()
        if raw not in ("0", "1"):
            raise RowError(f"unknown label {raw[:20]!r}, expected 0 or 1" if raw else "empty label")
        features = {h: to_number(h, row.fields[i]) for i, h in names}
        return Example(domain, PHISHING if raw == "1" else BENIGN, parts["registered_domain"], None,
                       {"features": features, **parts, "source_row": row.line})

    yield from rows_to_records(path, report, rows, header, make)
