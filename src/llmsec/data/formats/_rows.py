"""Reading CSV/TSV sources row by row, with every bad row rejected by line number."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from .._report import LoadReport
from ._registry import FormatError

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_FIELD_LIMIT = 1 << 30  # code datasets hold whole files in one field


def iter_rows(
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
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise FormatError(f"{path}: cannot read a {fmt} header row ({exc})") from exc
        if not header:
            raise FormatError(f"{path}: empty file, expected a {fmt} header row")
        header = [h.strip() for h in header]
        if _UNDECODABLE.search("".join(header)):
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
        end = reader.line_num
        while True:
            start = end + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                end = reader.line_num
                report.reject(str(path), start, f"unreadable row ({exc})")
                continue
            end = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if [c.strip() for c in row[: len(header)]] == header:
                report.reject(str(path), start, "repeated header row")
                continue
            if _UNDECODABLE.search("".join(row)):
                report.reject(str(path), start, "not valid UTF-8")
                continue
            if len(row) < len(header) or (len(row) > width and any(f.strip() for f in row[width:])):
                report.reject(str(path), start, f"row has {len(row)} fields, the header has {width}")
                continue
            yield start, dict(zip(header, row[: len(header)], strict=False))
