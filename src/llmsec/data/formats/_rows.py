"""Rows of CSV/TSV sources with the line each starts on, and the loop that makes them records.

Two readers over one line-counting core:

- :func:`csv_rows` streams raw :class:`Row` records and leaves the header to the
  caller (formats whose header is optional, odd or repeated mid-file);
  :func:`rows_to_records` then rejects repeated headers, wrong widths and the rows
  its ``make`` refuses.
- :func:`dict_rows` checks an ordinary header row itself, rejects bad rows, and
  yields each good one as a dict.

They decode differently, and line numbers depend on it: :func:`csv_rows` reads
byte lines (only LF ends a line; a BOM is kept), :func:`dict_rows` reads text
with universal newlines (a lone CR ends a line too; a BOM is dropped).

:func:`build_each` is the loop every loader ends in: build a record from each
numbered item, reject the ones that fail with their line and reason, accept the rest.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .._report import LoadReport
from ._registry import FormatError

T = TypeVar("T")
R = TypeVar("R")

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_FIELD_LIMIT = 2**31 - 1  # e-mail bodies and code datasets hold whole files in one field


class RowError(ValueError):
    """One record is bad; the message is the rejection reason."""


@dataclass(frozen=True)
class Row:
    """One CSV record: the line it starts on, its fields, or why it could not be read."""

    line: int
    fields: list[str]
    error: str | None = None


def raise_field_limit() -> None:
    """Allow very large CSV fields (e-mail bodies, whole source files); the csv default is 128 KiB."""
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)


def has_bad_utf8(text: str) -> bool:
    """Whether ``text`` carries bytes that were not valid UTF-8 (decoded with surrogateescape)."""
    return bool(_UNDECODABLE.search(text))


def decode_lines(lines: Iterable[bytes]) -> Iterator[str]:
    """Bytes lines as text; invalid UTF-8 bytes survive as surrogates to be checked per record."""
    for raw in lines:
        yield raw.decode("utf-8", "surrogateescape")


def norm_header(fields: Iterable[str]) -> list[str]:
    """Header names with surrounding whitespace and quotes removed."""
    return [f.strip().strip("'\"").strip() for f in fields]


def _records(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """``(line it starts on, fields or the csv error)`` for each record, blank ones included."""
    reader = csv.reader(lines, delimiter=delimiter)
    start = 1
    while True:
        try:
            fields: list[str] | csv.Error = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            fields = exc
        line, start = start, reader.line_num + 1
        yield line, fields


def _blank(fields: list[str]) -> bool:
    return not fields or (len(fields) == 1 and not fields[0].strip())


def csv_rows(path: Path, *, delimiter: str = ",", check_utf8: bool = True) -> Iterator[Row]:
    """Stream the records of a CSV file, skipping blank lines.

    A record with invalid UTF-8 (when ``check_utf8``) or one the csv module cannot
    parse comes back with ``error`` set instead of fields, so the caller can reject it.
    """
    with path.open("rb") as fh:
        for line, fields in _records(decode_lines(fh), delimiter):
            if isinstance(fields, csv.Error):
                yield Row(line, [], f"unreadable CSV ({fields})")
            elif _blank(fields):
                continue
            elif check_utf8 and any(has_bad_utf8(f) for f in fields):
                yield Row(line, [], "not valid UTF-8")
            else:
                yield Row(line, fields)


def first_row(path: Path, rows: Iterator[Row], what: str) -> Row:
    """The first record of ``rows`` (the header), which must be readable.

    Raises:
        FormatError: the file is empty or its first record is unreadable.
    """
    first = next(rows, None)
    if first is None or first.error:
        raise FormatError(f"{path} is not {what}: {'empty file' if first is None else first.error}")
    return first


def dict_rows(
    path: Path,
    report: LoadReport,
    *,
    required: Sequence[str],
    delimiter: str = ",",
    fmt: str,
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, row)`` for each well-formed data row of a CSV/TSV file.

    The first row is the header and must hold every ``required`` column. A row
    with non-UTF-8 bytes, too few or too many fields, or that repeats the header
    is rejected in ``report`` with the line it starts on; blank lines are skipped.
    The caller accepts or rejects each row it receives.

    Raises:
        FormatError: the file is empty, not UTF-8 in its header, or lacks required columns.
    """
    raise_field_limit()
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        records = _records(fh, delimiter)
        _, header = next(records, (0, None))
        if isinstance(header, csv.Error):
            raise FormatError(f"{path}: cannot read a {fmt} header row ({header})") from header
        if not header:
            raise FormatError(f"{path}: empty file, expected a {fmt} header row")
        header = [h.strip() for h in header]
        if has_bad_utf8("".join(header)):
            raise FormatError(f"{path}: the header row is not valid UTF-8; re-encode the file as UTF-8")
        missing = [c for c in required if c not in header]
        if missing:
            raise FormatError(
                f"{path}: not a {fmt} file: missing column(s) {missing}; found {header[:12]}; "
                f"expected {list(required)}"
            )
        width = len(header)
        while len(header) > 1 and header[-1] == "":
            header.pop()  # a trailing delimiter in the header (the CWE export has one)
        for line, row in records:
            if isinstance(row, csv.Error):
                report.reject(str(path), line, f"unreadable row ({row})")
            elif _blank(row):
                continue
            elif [c.strip() for c in row[: len(header)]] == header:
                report.reject(str(path), line, "repeated header row")
            elif has_bad_utf8("".join(row)):
                report.reject(str(path), line, "not valid UTF-8")
            elif len(row) < len(header) or (len(row) > width and any(f.strip() for f in row[width:])):
                report.reject(str(path), line, f"row has {len(row)} fields, the header has {width}")
            else:
                yield line, dict(zip(header, row[: len(header)], strict=False))


def build_each(
    path: Path | str,
    report: LoadReport,
    items: Iterable[tuple[int, T]],
    build: Callable[[int, T], R],
    *,
    errors: type[Exception] | tuple[type[Exception], ...] = ValueError,
) -> Iterator[R]:
    """``build(line, item)`` for each numbered item, accepted in ``report``; an item for
    which ``build`` raises one of ``errors`` is rejected with that line and the message."""
    for line, item in items:
        try:
            record = build(line, item)
        except errors as exc:
            report.reject(str(path), line, str(exc))
            continue
        report.accept()
        yield record


def rows_to_records(
    path: Path | str,
    report: LoadReport,
    rows: Iterable[Row],
    header: Sequence[str],
    make: Callable[[Row], R],
    *,
    is_header: Callable[[Sequence[str]], bool] | None = None,
    widths: Sequence[int] = (),
) -> Iterator[R]:
    """Turn rows into records, rejecting each bad row with its line and reason.

    A row that could not be read is rejected with its ``error``; a row equal to the
    header (or for which ``is_header`` says so) as a "repeated header row"; a row
    whose width is not ``len(header)`` (or one of ``widths``) as a wrong column count;
    ``make`` raises :class:`RowError` for the rest.
    """
    stripped = [h.strip() for h in header]
    ok_widths = set(widths) or {len(header)}

    def build(_: int, row: Row) -> R:
        if row.error:
            raise RowError(row.error)
        cells = [f.strip() for f in row.fields]
        if cells == stripped or (is_header is not None and is_header(cells)):
            raise RowError("repeated header row")
        if len(cells) not in ok_widths:
            want = " or ".join(map(str, sorted(ok_widths)))
            raise RowError(f"expected {want} columns, got {len(cells)}")
        return make(row)

    return build_each(path, report, ((row.line, row) for row in rows), build, errors=RowError)
