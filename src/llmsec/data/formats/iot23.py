"""IoT-23 labelled Zeek conn flows: the tab-separated ``conn.log.labeled`` or a CSV export."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from .._records import Example
from .._report import LoadReport
from ._flows import (
    BENIGN,
    FlowColumns,
    binary_label,
    check_labels,
    check_nonfinite,
    epoch_to_iso,
    flow_example,
    parse_flow,
)
from ._registry import FormatError, register_format
from ._rows import Row, RowError, csv_rows, decode_lines, first_row, has_bad_utf8, rows_to_records
from ._source import bounded_lines, line_too_long, open_source

_CATEGORICAL = frozenset({"proto", "service", "conn_state", "history", "local_orig", "local_resp"})
_HIDDEN = frozenset({"ts", "uid", "id.orig_h", "id.resp_h", "tunnel_parents"})
_REQUIRED = ("id.orig_h", "id.resp_h", "proto", "conn_state", "label")


def _split_zeek(line: str) -> list[str]:
    """Tab-separated fields; IoT-23 joins the last three (``tunnel_parents label
    detailed-label``) with spaces instead of tabs, so the last field is split on whitespace."""
    fields = line.rstrip("\r\n").split("\t")
    if fields and len(fields[-1].split()) > 1:
        fields[-1:] = fields[-1].split()
    return fields


def _zeek_rows(path: Path, report: LoadReport) -> tuple[list[str], Iterator[Row]]:
    """The ``#fields`` header and the data rows of a Zeek log (lines bounded, counted in ``report``)."""
    fh = open_source(path)
    header: list[str] | None = None
    lines = enumerate(decode_lines(bounded_lines(fh)), start=1)
    for _, line in lines:
        report.lines += 1
        if line is None or not line.startswith("#"):
            fh.close()
            raise FormatError(f"{path}: Zeek log has data before its '#fields' line")
        if line.startswith("#fields"):
            header = _split_zeek(line)[1:]
            break
    if header is None:
        fh.close()
        raise FormatError(f"{path}: no '#fields' line, not a Zeek log")

    def rows() -> Iterator[Row]:
        with fh:
            for lineno, line in lines:
                report.lines += 1
                if line is None:
                    yield Row(lineno, [], line_too_long())
                    continue
                if not line.strip() or line.startswith("#"):
                    continue  # #close and other directives are not records
                if has_bad_utf8(line):
                    yield Row(lineno, [], "not valid UTF-8")
                    continue
                yield Row(lineno, _split_zeek(line))

    return header, rows()


@register_format(
    "iot23-zeek", record=Example,
    description="IoT-23 conn.log.labeled (Zeek, tab-separated) or its CSV export",
)
def load_iot23(
    path: Path,
    report: LoadReport,
    *,
    labels: str = "binary",
    nonfinite: str = "reject",
    text_columns: Sequence[str] | None = None,
) -> Iterator[Example]:
    """One Example per Zeek connection.

    Zeek's unset marker ``-`` and empty fields mean "unset": such numeric fields are
    left out of ``meta["features"]`` and written ``-`` in the text (fill them when
    building a fixed-width vector). Hosts, ``uid`` and ``ts`` are kept in meta only.

    Args:
        labels: ``binary`` (``label`` Benign/Malicious) or ``attack`` (``detailed-label``,
            e.g. ``DDoS``, ``C&C``; ``benign`` for benign flows).
        nonfinite: ``reject`` rows with NaN/infinity, or read them as ``zero``.
        text_columns: the columns written in the text (default: all but identifiers).

    Group: the originating host ``id.orig_h``. Time: ``ts`` as ISO UTC.
    """
    check_labels(labels)
    check_nonfinite(nonfinite)
    with open_source(path) as fh:
        zeek = fh.read(1) == b"#"
    if zeek:
        header, rows = _zeek_rows(path, report)
        raw_header = header
    else:
        rows = csv_rows(path, report=report)
        first = first_row(path, rows, "an IoT-23 log")
        raw_header = first.fields
        header = [h.strip() for h in first.fields]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise FormatError(
            f"{path} is not an IoT-23 conn log: columns {missing} missing from its header "
            f"{','.join(header)[:120]!r}"
        )
    columns = FlowColumns(categorical=_CATEGORICAL, hidden=_HIDDEN, missing=frozenset({"", "-"}))
    detail = "detailed-label" if "detailed-label" in header else None
    skip = frozenset({"label", "detailed-label"})
    index = {h: i for i, h in enumerate(header)}
    if labels == "attack" and detail is None:
        raise ValueError(f"{path} has no 'detailed-label' column; use labels='binary'")

    def make(row: Row) -> Example:
        cells = row.fields
        label = binary_label(cells[index["label"]], ("benign",), ("malicious",))
        attack = cells[index[detail]].strip() if detail else None
        if labels == "attack":
            label = BENIGN if label == BENIGN else (attack if attack not in (None, "", "-") else "")
            if not label:
                raise RowError("malicious flow without a detailed-label")
        flow = parse_flow(header, cells, columns, skip=skip, nonfinite=nonfinite)
        time = epoch_to_iso(flow.hidden["ts"]) if "ts" in flow.hidden else None
        extra = {"detailed_label": attack} if detail else {}
        return flow_example(flow, label, line=row.line, group=flow.hidden.get("id.orig_h"),
                            time=time, text_columns=text_columns, **extra)

    yield from rows_to_records(path, report, rows, raw_header, make)
