"""Streaming CSV rows with line numbers, UTF-8 checks and flow-row parsing helpers."""

from __future__ import annotations

import csv
import math
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

_SURROGATE = re.compile("[\udc80-\udcff]")
NONFINITE_POLICIES = ("reject", "zero")


class RowError(ValueError):
    """One record is bad; the message is the rejection reason."""


@dataclass(frozen=True)
class Row:
    """One CSV record: the line it starts on, its fields, or why it could not be read."""

    line: int
    fields: list[str]
    error: str | None = None


def raise_field_limit() -> None:
    """Allow very large CSV fields (e-mail bodies); the csv default is 128 KiB."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def has_bad_utf8(text: str) -> bool:
    """Whether ``text`` carries bytes that were not valid UTF-8 (decoded with surrogateescape)."""
    return bool(_SURROGATE.search(text))


def decode_lines(lines: Iterable[bytes]) -> Iterator[str]:
    """Bytes lines as text; invalid UTF-8 bytes survive as surrogates to be checked per record."""
    for raw in lines:
        yield raw.decode("utf-8", "surrogateescape")


def csv_rows(path: Path, *, delimiter: str = ",", check_utf8: bool = True) -> Iterator[Row]:
    """Stream the records of a CSV file, skipping blank lines.

    A record with invalid UTF-8 (when ``check_utf8``) or one the csv module cannot
    parse comes back with ``error`` set instead of fields, so the caller can reject it.
    """
    with path.open("rb") as fh:
        yield from rows_from_lines(decode_lines(fh), delimiter=delimiter, check_utf8=check_utf8)


def rows_from_lines(lines: Iterable[str], *, delimiter: str = ",", check_utf8: bool = True) -> Iterator[Row]:
    """Like :func:`csv_rows`, over already-decoded lines."""
    reader = csv.reader(lines, delimiter=delimiter)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line, start = start, reader.line_num + 1
            yield Row(line, [], f"unreadable CSV ({exc})")
            continue
        line, start = start, reader.line_num + 1
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if check_utf8 and any(has_bad_utf8(f) for f in fields):
            yield Row(line, [], "not valid UTF-8")
            continue
        yield Row(line, fields)


def to_number(name: str, value: str, nonfinite: str = "reject") -> float:
    """A numeric field as a float; raise :class:`RowError` for text, NaN or infinity.

    ``nonfinite="zero"`` turns NaN/infinity into 0.0 instead of rejecting the row.
    """
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"non-numeric value {text[:40]!r} in numeric column {name!r}") from None
    if not math.isfinite(number):
        if nonfinite == "zero":
            return 0.0
        raise RowError(f"non-finite value {text!r} in column {name!r}")
    return number


def check_nonfinite(nonfinite: str) -> str:
    """Validate the ``nonfinite`` option."""
    if nonfinite not in NONFINITE_POLICIES:
        raise ValueError(f"nonfinite must be one of {NONFINITE_POLICIES}, got {nonfinite!r}")
    return nonfinite


def epoch_to_iso(value: str) -> str | None:
    """A Unix timestamp as an ISO-8601 UTC string, or None when it is not one."""
    try:
        seconds = float(value)
        return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


def norm_header(fields: Iterable[str]) -> list[str]:
    """Header names with surrounding whitespace and quotes removed."""
    return [f.strip().strip("'\"").strip() for f in fields]
