"""CIC-IDS2017 and CSE-CIC-IDS2018 CICFlowMeter CSVs."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from .._records import Example
from .._report import LoadReport
from ._flows import BENIGN, MALICIOUS, FlowColumns, check_labels, check_nonfinite, flow_example, parse_flow
from ._registry import FormatError, register_format
from ._rows import Row, RowError, csv_rows, has_bad_utf8, rows_to_records

logger = logging.getLogger(__name__)

_HIDDEN = frozenset({"Flow ID", "Source IP", "Src IP", "Destination IP", "Dst IP", "Timestamp"})
_SOURCE_HOST = ("Source IP", "Src IP")
_TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p")


def _header(path: Path, fields: list[str]) -> tuple[list[str], frozenset[str]]:
    """Stripped names; a repeated name (CIC-IDS2017 has ``Fwd Header Length`` twice) is
    renamed ``NAME.1`` and skipped, keeping the first occurrence."""
    header: list[str] = []
    seen: set[str] = set()
    dupes: set[str] = set()
    next_k: dict[str, int] = {}  # sets and a counter: a hostile header may repeat a name 10^5 times
    for raw in fields:
        name = raw.strip()
        if name in seen:
            k = next_k.get(name, 1)
            while f"{name}.{k}" in seen:
                k += 1
            next_k[name] = k + 1
            logger.info("%s: column %r appears twice; keeping the first, skipping the copy", path, name)
            name = f"{name}.{k}"
            dupes.add(name)
        header.append(name)
        seen.add(name)
    return header, frozenset(dupes)


def _label_text(raw: str) -> str:
    """The label, with CIC-IDS2017's cp1252 en dash (``Web Attack \\x96 Brute Force``) repaired."""
    if has_bad_utf8(raw):
        raw = raw.encode("utf-8", "surrogateescape").decode("cp1252", errors="replace")
    return " ".join(raw.replace("\u2013", "-").replace("\ufffd", "-").split())


def _time(value: str) -> str | None:
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).isoformat()
        except ValueError:
            continue
    return None


def _load_cic(
    path: Path,
    report: LoadReport,
    *,
    labels: str,
    nonfinite: str,
    text_columns: Sequence[str] | None,
) -> Iterator[Example]:
    check_labels(labels)
    check_nonfinite(nonfinite)
    rows = csv_rows(path, check_utf8=False, report=report)
    first = next(rows, None)
    if first is None or first.error or has_bad_utf8(",".join(first.fields)):
        raise FormatError(f"{path} is not a CICFlowMeter CSV: {'empty file' if first is None else 'bad header'}")
    header, dupes = _header(path, first.fields)
    if "Label" not in header or "Flow Duration" not in header:
        raise FormatError(
            f"{path} is not a CICFlowMeter CSV: its header {','.join(header)[:120]!r} lacks "
            "'Flow Duration' or 'Label'"
        )
    label_at = header.index("Label")
    source = next((h for h in _SOURCE_HOST if h in header), None)
    columns = FlowColumns(hidden=_HIDDEN & set(header))
    skip = dupes | {"Label"}

    def make(row: Row) -> Example:
        cells = row.fields
        if any(has_bad_utf8(c) for i, c in enumerate(cells) if i != label_at):
            raise RowError("not valid UTF-8")
        attack = _label_text(cells[label_at])
        if not attack:
            raise RowError("empty label")
        if not any(ch.isalpha() for ch in attack):
            raise RowError(f"unknown label {attack[:40]!r}")
        binary = BENIGN if attack.upper() == "BENIGN" else MALICIOUS
        label = binary if labels == "binary" else (BENIGN if binary == BENIGN else attack)
        flow = parse_flow(header, cells, columns, skip=skip, nonfinite=nonfinite)
        time = _time(flow.hidden["Timestamp"]) if "Timestamp" in flow.hidden else None
        return flow_example(flow, label, line=row.line, time=time, text_columns=text_columns,
                            group=flow.hidden.get(source) if source else None, attack=attack)

    yield from rows_to_records(path, report, rows, first.fields, make)


_DOC = """One Example per flow of a CICFlowMeter CSV ({name}).

    Header names are stripped of their leading spaces; a duplicated column keeps its
    first occurrence. A row repeating the header mid-file is rejected as "repeated
    header row". Flow ids, IPs and the timestamp are kept in meta, not in the text.

    Args:
        labels: ``binary`` (``BENIGN`` -> ``benign``, any attack -> ``malicious``) or
            ``attack`` (the attack name, e.g. ``DoS Hulk``; ``benign`` for benign flows).
        nonfinite: ``reject`` rows holding NaN/``Infinity`` (default), or read them as ``zero``.
        text_columns: the columns written in the text (default: all numeric features).

    Group: the source IP when the file has one. Time: ``Timestamp`` (day first) as ISO.
    Meta: ``features``, ``attack`` (the original label), ``source_row``, identifiers.
    """


@register_format("cic-ids2017", record=Example,
                 description="CIC-IDS2017 CICFlowMeter flow CSV (MachineLearningCVE / TrafficLabelling)")
def load_cicids2017(path: Path, report: LoadReport, *, labels: str = "binary", nonfinite: str = "reject",
                    text_columns: Sequence[str] | None = None) -> Iterator[Example]:
    yield from _load_cic(path, report, labels=labels, nonfinite=nonfinite, text_columns=text_columns)


@register_format("cse-cic-ids2018", record=Example,
                 description="CSE-CIC-IDS2018 CICFlowMeter flow CSV (header rows may repeat mid-file)")
def load_csecicids2018(path: Path, report: LoadReport, *, labels: str = "binary", nonfinite: str = "reject",
                       text_columns: Sequence[str] | None = None) -> Iterator[Example]:
    yield from _load_cic(path, report, labels=labels, nonfinite=nonfinite, text_columns=text_columns)


load_cicids2017.__doc__ = _DOC.format(name="CIC-IDS2017")
load_csecicids2018.__doc__ = _DOC.format(name="CSE-CIC-IDS2018")
