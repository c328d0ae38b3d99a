"""What the network-flow formats share: column roles, numeric fields, labels, row parsing."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .._records import Example
from ._rows import RowError
from .flow_text import serialize_flow

BENIGN, MALICIOUS = "benign", "malicious"
LABEL_MODES = ("binary", "attack")
NONFINITE_POLICIES = ("reject", "zero")


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


@dataclass(frozen=True)
class FlowColumns:
    """How a dataset's columns are read.

    Attributes:
        categorical: string-valued columns, written in the text, not in the features.
        hidden: identifiers (hosts, flow ids, timestamps): kept in ``meta`` only, so
            a model cannot memorise them from the text.
        missing: raw values meaning "unset": a numeric column left out of the
            features and written ``-``; a categorical one written ``-``.
    """

    categorical: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    missing: frozenset[str] = field(default_factory=lambda: frozenset({""}))


@dataclass
class ParsedFlow:
    """One row split into text values, numeric features and hidden identifiers."""

    values: dict[str, float | str | None]
    features: dict[str, float]
    hidden: dict[str, str]


def parse_flow(
    header: Sequence[str],
    fields: Sequence[str],
    columns: FlowColumns,
    *,
    skip: frozenset[str] = frozenset(),
    nonfinite: str = "reject",
) -> ParsedFlow:
    """Split one row by column role; raise :class:`RowError` on a bad number."""
    flow = ParsedFlow({}, {}, {})
    for name, raw in zip(header, fields, strict=True):
        if name in skip:
            continue
        value = raw.strip()
        if name in columns.hidden:
            flow.hidden[name] = value
        elif name in columns.categorical:
            flow.values[name] = "-" if value in columns.missing else value
        elif value in columns.missing:
            flow.values[name] = None
        else:
            number = to_number(name, value, nonfinite)
            flow.values[name] = number
            flow.features[name] = number
    return flow


def binary_label(raw: str, benign: Iterable[str], malicious: Iterable[str] = ()) -> str:
    """``benign`` for the listed benign values; ``malicious`` for the listed malicious values,
    or for any other non-empty value when ``malicious`` is empty (case-insensitive)."""
    value = raw.strip()
    low = value.lower()
    if not value:
        raise RowError("empty label")
    if low in {b.lower() for b in benign}:
        return BENIGN
    allowed = {m.lower() for m in malicious}
    if not allowed or low in allowed:
        return MALICIOUS
    raise RowError(f"unknown label {value[:40]!r}")


def check_labels(labels: str) -> str:
    """Validate the ``labels`` option."""
    if labels not in LABEL_MODES:
        raise ValueError(f"labels must be one of {LABEL_MODES}, got {labels!r}")
    return labels


def flow_example(
    flow: ParsedFlow,
    label: str,
    *,
    line: int,
    group: str | None = None,
    time: str | None = None,
    text_columns: Sequence[str] | None = None,
    **meta: object,
) -> Example:
    """The Example of one parsed flow (text from :func:`serialize_flow`)."""
    text = serialize_flow(flow.values, columns=text_columns)
    return Example(
        text,
        label,
        group or None,
        time,
        {"features": flow.features, "source_row": line, **flow.hidden, **meta},
    )
