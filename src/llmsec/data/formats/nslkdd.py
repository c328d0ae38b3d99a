"""NSL-KDD connection records (KDDTrain+/KDDTest+ text files)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from .._records import Example
from .._report import LoadReport
from ._flows import BENIGN, MALICIOUS, FlowColumns, check_labels, flow_example, parse_flow
from ._registry import FormatError, register_format
from ._rows import Row, RowError, csv_rows, rows_to_records

#: The 41 KDD'99 feature names (the shared copy's own header has typos such as ``src_byts``).
KDD_FEATURES = (
    "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land",
    "wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in", "num_compromised",
    "root_shell", "su_attempted", "num_root", "num_file_creations", "num_shells",
    "num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count",
    "srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate",
    "same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
    "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
    "dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate",
)
COLUMNS = (*KDD_FEATURES, "attack", "difficulty")
_CATEGORICAL = frozenset({"protocol_type", "service", "flag"})
_ATTACK = re.compile(r"^[A-Za-z][\w.-]*$")


def _is_header(cells: Sequence[str]) -> bool:
    return bool(cells) and cells[0].lower() == "duration"


@register_format(
    "nsl-kdd", record=Example,
    description="NSL-KDD text/CSV: 41 KDD features + attack name (+ difficulty), header optional",
)
def load_nslkdd(
    path: Path,
    report: LoadReport,
    *,
    labels: str = "binary",
    text_columns: Sequence[str] | None = None,
) -> Iterator[Example]:
    """One Example per connection record.

    The real NSL-KDD files have no header; a first line starting ``duration,`` is
    taken as a header and skipped (the canonical KDD names are used either way);
    a later one is rejected as a repeated header row. Rows have 42 fields
    (features + attack) or 43 (+ difficulty level).

    Args:
        labels: ``binary`` (``normal`` -> ``benign``, any attack -> ``malicious``) or
            ``attack`` (the attack name itself, ``normal`` for normal traffic).
        text_columns: the features written in the text (default: all 41).

    Meta: ``features`` (the 38 numeric features), ``attack``, ``difficulty``, ``source_row``.
    """
    check_labels(labels)
    rows = csv_rows(path, report=report)
    first = next(rows, None)
    if first is None:
        raise FormatError(f"{path} is empty: expected NSL-KDD rows of 42 or 43 comma-separated fields")
    pending: list[Row] = []
    if first.error is None and _is_header([c.strip() for c in first.fields]):
        if len(first.fields) not in (42, 43):
            raise FormatError(
                f"{path}: header has {len(first.fields)} columns, NSL-KDD has 42 or 43 "
                "(41 features, attack name, difficulty)"
            )
    elif first.error is not None or len(first.fields) not in (42, 43):
        raise FormatError(
            f"{path} is not NSL-KDD: its first row has "
            f"{len(first.fields) if not first.error else 'unreadable'} fields "
            f"({first.error or ','.join(first.fields)[:80]!r}); expected 42 or 43"
        )
    else:
        pending.append(first)
    columns = FlowColumns(categorical=_CATEGORICAL)
    skip = frozenset({"attack", "difficulty"})

    def make(row: Row) -> Example:
        cells = [c.strip() for c in row.fields]
        attack = cells[41].rstrip(".")
        if not _ATTACK.match(attack):
            raise RowError(f"unknown label {attack[:40]!r}")
        flow = parse_flow(COLUMNS[: len(cells)], cells, columns, skip=skip)
        difficulty = None
        if len(cells) == 43:
            try:
                difficulty = int(cells[42])
            except ValueError:
                raise RowError(f"non-integer difficulty {cells[42][:20]!r}") from None
        binary = BENIGN if attack.lower() == "normal" else MALICIOUS
        label = attack if labels == "attack" else binary
        return flow_example(flow, label, line=row.line, text_columns=text_columns,
                            attack=attack, difficulty=difficulty)

    def all_rows() -> Iterator[Row]:
        yield from pending
        yield from rows

    yield from rows_to_records(path, report, all_rows(), COLUMNS, make, is_header=_is_header, widths=(42, 43))
