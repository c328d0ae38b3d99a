"""E-mail datasets as CSV: Nazario-style (sender, subject, body...) and Enron spam/ham layouts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .._records import Example
from .._report import LoadReport
from ._mail import canonical_label, check_positive, iso_date, sender_domain
from ._registry import FormatError, register_format
from ._rows import (
    MAX_RECORD_LINES,
    Row,
    RowError,
    csv_rows,
    first_row,
    norm_header,
    raise_field_limit,
    rows_to_records,
)

_BODY = ("body", "email", "text", "email text", "message", "content")
_LABEL = ("label", "email type", "class", "category")


def _pick(header: list[str], given: str | None, candidates: tuple[str, ...], path: Path) -> int | None:
    lower = [h.lower() for h in header]
    if given is not None:
        if given not in header:
            raise FormatError(f"{path}: column {given!r} not in its header {header}")
        return header.index(given)
    return next((lower.index(c) for c in candidates if c in lower), None)


@register_format("email-csv", record=Example,
                 description="e-mail CSV: Nazario (sender,...,subject,body,label) or Enron (label,email) layouts")
def load_email_csv(
    path: Path,
    report: LoadReport,
    *,
    body_column: str | None = None,
    label_column: str | None = None,
    subject_column: str | None = None,
    sender_column: str | None = None,
    date_column: str | None = None,
    positive: str = "phishing",
) -> Iterator[Example]:
    """One Example per e-mail row (multi-line bodies in quotes are one row).

    Columns are found by name (case-insensitive) unless given: body ``body``/``email``/
    ``text``/``Email Text``; label ``label``/``Email Type``; subject ``subject``;
    sender ``sender``/``from``; date ``date``.

    Labels are canonical: ``phishing``, ``spam`` or ``legitimate`` (``ham``, ``safe email``
    ... map to ``legitimate``); a numeric ``1`` means ``positive`` (default ``phishing``,
    as in the Nazario curation; pass ``spam`` for spam corpora), ``0`` ``legitimate``.

    Text: ``Subject: <subject>`` + blank line + body when there is a subject column,
    else the body as is (Enron's ``email`` already starts with ``Subject:``).
    Group: the sender's domain. Time: the ``date`` column as ISO when it parses.
    """
    check_positive(positive)
    raise_field_limit()
    rows = csv_rows(path, report=report, max_lines=MAX_RECORD_LINES)
    first = first_row(path, rows, "an e-mail CSV")
    header = norm_header(first.fields)
    body = _pick(header, body_column, _BODY, path)
    label = _pick(header, label_column, _LABEL, path)
    if body is None or label is None:
        raise FormatError(
            f"{path} is not an e-mail CSV: no {'body' if body is None else 'label'} column in "
            f"{header[:10]}; name it with body_column=/label_column="
        )
    subject = _pick(header, subject_column, ("subject",), path)
    sender = _pick(header, sender_column, ("sender", "from"), path)
    date = _pick(header, date_column, ("date",), path)

    def make(row: Row) -> Example:
        cells = row.fields
        canon = canonical_label(cells[label], positive)
        text_body = cells[body].replace("\r\n", "\n").replace("\r", "\n").strip()
        subj = " ".join(cells[subject].split()) if subject is not None else ""
        if not text_body and not subj:
            raise RowError("empty text")
        text = f"Subject: {subj}\n\n{text_body}" if subj else text_body
        from_ = cells[sender] if sender is not None else None
        meta = {"source_row": row.line, "original_label": cells[label].strip()}
        if from_:
            meta["sender"] = from_.strip()
        return Example(text, canon, sender_domain(from_), iso_date(cells[date]) if date is not None else None,
                       meta)

    yield from rows_to_records(path, report, rows, first.fields, make)
