"""What the network-flow formats share: column roles, row parsing and the reject loop."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .._records import Example
from .._report import LoadReport
from ..flow_text import serialize_flow
from ._csvrows import Row, RowError, to_number

BENIGN, MALICIOUS = "benign", "malicious"
LABEL_MODES = ("binary", "attack")


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


def flow_loop(
    path: str,
    report: LoadReport,
    rows: Iterable[Row],
    header: Sequence[str],
    make: Callable[[Row], Example],
    *,
    is_header: Callable[[Sequence[str]], bool] | None = None,
    widths: Sequence[int] = (),
) -> Iterator[Example]:
    """Turn rows into examples, rejecting each bad row with its line and reason.

    A row equal to the header (or for which ``is_header`` says so) is rejected as a
    "repeated header row"; a row whose width is not ``len(header)`` (or one of
    ``widths``) as a wrong column count; ``make`` raises :class:`RowError` for the rest.
    """
    stripped = [h.strip() for h in header]
    ok_widths = set(widths) or {len(header)}
    for row in rows:
        if row.error:
            report.reject(path, row.line, row.error)
            continue
        cells = [f.strip() for f in row.fields]
        if cells == stripped or (is_header is not None and is_header(cells)):
            report.reject(path, row.line, "repeated header row")
            continue
        if len(cells) not in ok_widths:
            want = " or ".join(map(str, sorted(ok_widths)))
            report.reject(path, row.line, f"expected {want} columns, got {len(cells)}")
            continue
        try:
            example = make(row)
        except RowError as exc:
            report.reject(path, row.line, str(exc))
            continue
        report.accept()
        yield example


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
