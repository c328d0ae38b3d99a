"""UNSW-NB15 flow CSVs (training/testing sets, feature subsets, one-hot variants)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from .._records import Example
from .._report import LoadReport
from ._flows import (
    BENIGN,
    MALICIOUS,
    FlowColumns,
    ParsedFlow,
    check_labels,
    check_nonfinite,
    epoch_to_iso,
    flow_example,
    parse_flow,
)
from ._registry import FormatError, register_format
from ._rows import Row, RowError, csv_rows, first_row, norm_header, rows_to_records

_CATEGORICAL = frozenset({"proto", "state", "service"})
_HIDDEN = frozenset({"id", "srcip", "dstip", "stime", "ltime"})
_KNOWN = frozenset({"dur", "sbytes", "dbytes", "spkts", "sttl", "sload", "smeansz", "smean"})
_BENIGN = ("0", "benign", "normal")
_MALICIOUS = ("1", "malicious", "attack")


def _fold_one_hot(flow: ParsedFlow) -> None:
    """Write one-hot groups (``proto=tcp``, ``proto=udp``...) as one text value ``proto=tcp``.

    The 0/1 columns stay in the features; a group with several hot columns is a bad row.
    """
    values: dict[str, float | str | None] = {}
    for name, value in flow.values.items():
        prefix, eq, level = name.partition("=")
        if not eq:
            values[name] = value
            continue
        if value not in (0.0, 1.0):
            raise RowError(f"one-hot column {name!r} is {value!r}, expected 0 or 1")
        if value == 1.0:
            if isinstance(values.get(prefix), str) and values[prefix] != "-":
                raise RowError(f"one-hot group {prefix!r} has more than one column set")
            values[prefix] = level
        else:
            values.setdefault(prefix, "-")
    flow.values = values


@register_format(
    "unsw-nb15", record=Example,
    description="UNSW-NB15 flow CSV with a header and a label column (0/1 or Benign/Malicious)",
)
def load_unsw(
    path: Path,
    report: LoadReport,
    *,
    labels: str = "binary",
    nonfinite: str = "reject",
    text_columns: Sequence[str] | None = None,
) -> Iterator[Example]:
    """One Example per flow of a UNSW-NB15 CSV with a header row.

    Handles the official training/testing sets (``id,...,attack_cat,label``), feature
    subsets (the 43-feature sampled file, whose header quotes ``'ct_src_ ltm'``), and
    one-hot variants (columns ``proto=tcp``, ``proto=udp``... are written in the
    text as ``proto=tcp``; the 0/1 columns stay in the features).

    Args:
        labels: ``binary`` (``label`` 0/1 or Benign/Malicious -> ``benign``/``malicious``)
            or ``attack`` (the ``attack_cat`` column; ``normal`` for benign flows).
        nonfinite: ``reject`` rows with NaN/infinity, or read them as ``zero``.
        text_columns: the columns written in the text (default: all but identifiers).

    Group: ``srcip`` when the file has it. Time: ``Stime`` as ISO UTC when present.
    Meta: ``features``, ``source_row``, ``attack_cat`` and identifiers when present.
    """
    check_labels(labels)
    nonfinite = check_nonfinite(nonfinite)
    rows = csv_rows(path, report=report)
    first = first_row(path, rows, "a UNSW-NB15 CSV")
    header = ["".join(h.split()) for h in norm_header(first.fields)]
    lower = [h.lower() for h in header]
    if "label" not in lower or not _KNOWN & set(lower):
        raise FormatError(
            f"{path} is not a UNSW-NB15 CSV: its header {','.join(header)[:120]!r} needs a 'label' "
            f"column and UNSW features such as {sorted(_KNOWN)[:4]}"
        )
    label_name = header[lower.index("label")]
    attack_name = header[lower.index("attack_cat")] if "attack_cat" in lower else None
    if labels == "attack" and attack_name is None:
        raise ValueError(f"{path} has no 'attack_cat' column; use labels='binary' for this file")
    hidden = frozenset(h for h in header if h.lower() in _HIDDEN)
    categorical = frozenset(h for h in header if h.lower() in _CATEGORICAL)
    columns = FlowColumns(categorical=categorical, hidden=hidden)
    skip = frozenset(n for n in (label_name, attack_name) if n)
    index = {h: i for i, h in enumerate(header)}
    src = next((h for h in header if h.lower() == "srcip"), None)
    stime = next((h for h in header if h.lower() == "stime"), None)

    def make(row: Row) -> Example:
        cells = row.fields
        label = _label(cells[index[label_name]])
        attack = cells[index[attack_name]].strip() if attack_name else None
        if labels == "attack":
            label = ((attack or "").strip() or "normal") if label == MALICIOUS else "normal"
        flow = parse_flow(header, cells, columns, skip=skip, nonfinite=nonfinite)
        _fold_one_hot(flow)
        group = flow.hidden.get(src) if src else None
        time = epoch_to_iso(flow.hidden[stime]) if stime else None
        extra = {"attack_cat": attack} if attack_name else {}
        return flow_example(flow, label, line=row.line, group=group, time=time,
                            text_columns=text_columns, **extra)

    yield from rows_to_records(path, report, rows, first.fields, make)


def _label(raw: str) -> str:
    value = raw.strip().lower()
    if value in _BENIGN:
        return BENIGN
    if value in _MALICIOUS:
        return MALICIOUS
    raise RowError(f"unknown label {raw.strip()[:40]!r}" if raw.strip() else "empty label")
