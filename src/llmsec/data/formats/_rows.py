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

A record may span only a bounded number of physical lines: one in a line-oriented
format (the default of :func:`csv_rows`: NSL-KDD, UNSW-NB15, IoT-23, PhishTank,
CIC-IDS...), :data:`MAX_RECORD_LINES` lines and :data:`MAX_RECORD_CHARS` characters
where quoted fields legitimately hold line breaks (e-mail bodies, source code). A
record whose quoted field runs past the bound (one stray ``"``) is rejected at the
line it starts on, and reading resumes at the next physical line, so one bad quote
cannot fold the rest of the file into one field. Both readers count the physical
lines they read in ``LoadReport.lines``.

:func:`build_each` is the loop every loader ends in: build a record from each
numbered item, reject the ones that fail with their line and reason, accept the rest.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from .._report import LoadReport
from ._registry import FormatError
from ._source import MAX_LINE_BYTES, bounded_lines, json_depth_error, line_too_long, open_source

T = TypeVar("T")
R = TypeVar("R")

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_FIELD_LIMIT = 2**31 - 1  # e-mail bodies and code datasets hold whole files in one field
#: Physical lines one record may span where quoted fields hold line breaks (e-mail, code).
MAX_RECORD_LINES = 10_000
#: Characters one multi-line record may hold (32 Mi).
MAX_RECORD_CHARS = 32 << 20


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


def decode_lines(lines: Iterable[bytes | None]) -> Iterator[str | None]:
    """Bytes lines as text; invalid UTF-8 bytes survive as surrogates to be checked per record
    (``None``, an overlong line from :func:`bounded_lines`, passes through)."""
    for raw in lines:
        yield None if raw is None else raw.decode("utf-8", "surrogateescape")


def norm_header(fields: Iterable[str]) -> list[str]:
    """Header names with surrounding whitespace and quotes removed."""
    return [f.strip().strip("'\"").strip() for f in fields]


class _Overflow(Exception):
    """The record being read would pass its bound of lines or characters."""


class _Overlong(Exception):
    """The next physical line, starting a record, is longer than the line limit."""


class _Feed:
    """The physical lines handed to :class:`csv.reader`, one record at a time, within bounds.

    ``None`` items stand for lines too long to read (see :func:`bounded_lines`). When
    the reader asks for a line that would take the current record past ``max_lines``
    or ``max_chars`` (or into an overlong line), :class:`_Overflow` stops it; the
    record's lines after its first are then fed again, so reading resumes at the
    line after the one the bad record started on.
    """

    def __init__(self, lines: Iterable[str | None], max_lines: int, max_chars: int) -> None:
        self._src = enumerate(lines, start=1)
        self._pending: deque[tuple[int, str | None]] = deque()
        self._record: list[tuple[int, str]] = []
        self._chars = 0
        self.max_lines, self.max_chars = max_lines, max_chars
        self.physical = 0

    def __iter__(self) -> _Feed:
        return self

    def _peek(self) -> tuple[int, str | None] | None:
        if not self._pending:
            item = next(self._src, None)
            if item is None:
                return None
            self.physical += 1
            self._pending.append(item)
        return self._pending[0]

    def __next__(self) -> str:
        item = self._peek()
        if item is None:
            raise StopIteration
        lineno, text = item
        if self._record and (
            text is None or len(self._record) >= self.max_lines or self._chars + len(text) > self.max_chars
        ):
            raise _Overflow
        self._pending.popleft()
        if text is None:
            raise _Overlong(lineno)
        self._record.append(item)  # type: ignore[arg-type]
        self._chars += len(text)
        return text

    def start(self) -> int | None:
        """Begin a record; the line it starts on (None at the end of the file)."""
        self._record, self._chars = [], 0
        item = self._peek()
        return item[0] if item else None

    def replay(self) -> None:
        """Feed the current record's lines after its first again (it was rejected)."""
        self._pending.extendleft(reversed(self._record[1:]))
        self._record, self._chars = [], 0


def _overflow_reason(max_lines: int, max_chars: int) -> str:
    if max_lines == 1:
        return ("a quoted field is not closed on its line (a stray '\"'?); this format has one record a "
                "line, so the row is rejected and reading resumes at the next line")
    return (f"a quoted field runs past {max_lines} lines or {max_chars} characters without closing "
            "(a stray '\"'?); the row is rejected and reading resumes at the line after it")


def _records(
    lines: Iterable[str | None],
    delimiter: str,
    report: LoadReport | None = None,
    *,
    max_lines: int = 1,
    max_chars: int = MAX_RECORD_CHARS,
    line_limit: int = MAX_LINE_BYTES,
) -> Iterator[tuple[int, list[str] | csv.Error | str]]:
    """``(line it starts on, fields, the csv error, or a rejection reason)`` for each record,
    blank ones included; the physical lines read are added to ``report.lines``."""
    feed = _Feed(lines, max_lines, max_chars)
    reader = csv.reader(feed, delimiter=delimiter)
    counted = 0
    try:
        while (line := feed.start()) is not None:
            try:
                fields: list[str] | csv.Error | str = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                fields = exc
            except _Overflow:
                feed.replay()
                fields = _overflow_reason(max_lines, max_chars)
            except _Overlong as exc:
                line, fields = exc.args[0], line_too_long(line_limit)
            if report is not None:
                report.lines += feed.physical - counted
                counted = feed.physical
            yield line, fields
    finally:
        if report is not None:
            report.lines += feed.physical - counted


def _blank(fields: list[str]) -> bool:
    return not fields or (len(fields) == 1 and not fields[0].strip())


def csv_rows(
    path: Path,
    *,
    delimiter: str = ",",
    check_utf8: bool = True,
    report: LoadReport | None = None,
    max_lines: int = 1,
) -> Iterator[Row]:
    """Stream the records of a CSV file, skipping blank lines.

    A record with invalid UTF-8 (when ``check_utf8``), one the csv module cannot
    parse, one whose quoted field runs past ``max_lines`` physical lines (default 1:
    a line-oriented format; :data:`MAX_RECORD_LINES` where fields hold line breaks) or
    a line longer than the line limit comes back with ``error`` set instead of fields,
    so the caller can reject it. The physical lines read are counted in ``report``.
    """
    with open_source(path) as fh:
        lines = decode_lines(bounded_lines(fh, MAX_LINE_BYTES))
        for line, fields in _records(lines, delimiter, report, max_lines=max_lines, line_limit=MAX_LINE_BYTES):
            if isinstance(fields, str):
                yield Row(line, [], fields)
            elif isinstance(fields, csv.Error):
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


def _text(raw: IO[bytes]) -> io.TextIOWrapper:
    """A binary source as text with universal newlines kept for csv (``newline=""``), BOM dropped."""
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")


def dict_rows(
    path: Path,
    report: LoadReport,
    *,
    required: Sequence[str],
    delimiter: str = ",",
    fmt: str,
    max_lines: int = MAX_RECORD_LINES,
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, row)`` for each well-formed data row of a CSV/TSV file.

    Quoted fields may hold line breaks, up to ``max_lines`` physical lines a record
    (pass 1 for a line-oriented file); a record past it is rejected (see the module).

    The first row is the header and must hold every ``required`` column. A row
    with non-UTF-8 bytes, too few or too many fields, or that repeats the header
    is rejected in ``report`` with the line it starts on; blank lines are skipped.
    The caller accepts or rejects each row it receives.

    Raises:
        FormatError: the file is empty, not UTF-8 in its header, or lacks required columns.
    """
    raise_field_limit()
    with open_source(path) as raw, _text(raw) as fh:
        records = _records(bounded_lines(fh, MAX_LINE_BYTES), delimiter, report, max_lines=max_lines,
                           line_limit=MAX_LINE_BYTES)
        _, header = next(records, (0, None))
        if isinstance(header, (csv.Error, str)):
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
            if isinstance(row, str):
                report.reject(str(path), line, row)
            elif isinstance(row, csv.Error):
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
    which ``build`` raises one of ``errors`` is rejected with that line and the message.

    A JSON item (a dict or list) nested deeper than ``MAX_JSON_DEPTH`` is rejected
    before ``build`` sees it, so one deep object in an array costs only itself."""
    for line, item in items:
        too_deep = json_depth_error(item) if isinstance(item, (dict, list)) else None
        if too_deep:
            report.reject(str(path), line, too_deep)
            continue
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
