"""Raw e-mail: ``.eml`` files (or a folder of them) and mbox mailboxes."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

from .._records import Example
from .._report import LoadReport
from ._mail import iso_date, message_text, mime_precheck, mime_problem, mime_too_deep, sender_domain
from ._registry import FormatError, register_format
from ._source import MAX_FILE_BYTES, SourceError, bounded_lines, line_too_long, open_source, read_bounded, walk_files

_HEADERS = ("from", "to", "subject", "date", "message-id", "received", "return-path", "mime-version")
#: Headers llmsec parses, and their longest raw value: the stdlib header parser is quadratic
#: in some inputs (a From: of 20,000 quotes takes 17 s) and recursive in nested comments.
_PARSED = frozenset({"from", "subject", "date", "content-type", "content-transfer-encoding",
                     "content-disposition"})
MAX_HEADER_CHARS = 2000


def _check_label(label: str | None, fmt: str) -> str:
    if not isinstance(label, str) or not label.strip():
        raise ValueError(
            f"{fmt} needs a label option (raw mail carries none), got {label!r}; "
            "e.g. options: {label: phishing}"
        )
    return label.strip()


def _parse(data: bytes) -> EmailMessage | str:
    """The parsed message, or why it is rejected: MIME multiparts nested past
    ``MAX_MIME_DEPTH`` (the stdlib parser recurses, so very deep ones stop it too)."""
    refused = mime_precheck(data) or _long_header(data)
    if refused:
        return refused
    try:
        msg = email.message_from_bytes(data, policy=policy.default)
    except RecursionError:
        return mime_too_deep()
    assert isinstance(msg, EmailMessage)
    return mime_problem(msg) or msg


def _long_header(data: bytes) -> str | None:
    """Why a message is refused before the full parse: a header llmsec parses (in any
    part) longer than ``MAX_HEADER_CHARS``. The legacy policy reads headers as plain strings."""
    for part in email.message_from_bytes(data, policy=policy.compat32).walk():
        for name, value in part.items():
            if name.lower() in _PARSED and len(str(value)) > MAX_HEADER_CHARS:
                return f"{name} header longer than {MAX_HEADER_CHARS} characters"
    return None


def _looks_like_mail(msg: EmailMessage) -> bool:
    return any(h in msg for h in _HEADERS)


def _example(msg: EmailMessage, label: str, meta: dict[str, object]) -> Example | str:
    """The Example of a message, or the reason it is rejected."""
    if not _looks_like_mail(msg):
        return "no e-mail headers"
    try:
        text = message_text(msg)
        sender = str(msg.get("from", "") or "")
        date = str(msg.get("date", "") or "")
    except (ValueError, LookupError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        return f"unreadable message ({type(exc).__name__}: {str(exc)[:60]})"
    if not text.replace("Subject:", "").strip():
        return "empty text"
    if sender:
        meta["sender"] = sender
    return Example(text, label, sender_domain(sender), iso_date(date), meta)


@register_format("eml", record=Example, description="raw e-mail: one .eml file or a folder of them (label option)",
                 folders=True)
def load_eml(
    path: Path, report: LoadReport, *, label: str | None = None, follow_symlinks: bool = False
) -> Iterator[Example]:
    """One Example per ``.eml`` message (a folder is walked for ``*.eml``, sorted).

    Args:
        label: the label of every message (e.g. ``phishing``); required.
        follow_symlinks: follow symbolic links out of the folder (by default such a
            link is a rejected record, as is a FIFO, a device or a file over the size limit).

    Text: ``Subject: ...`` + blank line + the text/plain body (HTML bodies stripped to
    text). Group: the From domain. Time: the Date header as ISO. A single file with
    no e-mail headers is a FormatError; in a folder such a file is rejected.
    """
    label = _check_label(label, "eml")
    if path.is_dir():
        files = walk_files(path, lambda p: p.suffix.lower() == ".eml", follow_symlinks=follow_symlinks)
        if not files:
            raise FormatError(f"{path}: folder holds no .eml files")
    else:
        files = [(path, None)]
    for file, refused in files:
        try:
            if refused:
                raise SourceError(refused)
            msg = _parse(read_bounded(file))
        except SourceError as exc:
            if not path.is_dir():
                raise
            report.reject(str(file), 1, str(exc))
            continue
        if isinstance(msg, str):
            report.reject(str(file), 1, msg)
            continue
        if not path.is_dir() and not _looks_like_mail(msg):
            raise FormatError(f"{file} is not an e-mail message: no headers such as From/Subject/Date")
        result = _example(msg, label, {"source_file": str(file)})
        if isinstance(result, str):
            report.reject(str(file), 1, result)
            continue
        report.accept()
        yield result


def _mbox_messages(path: Path, report: LoadReport) -> Iterator[tuple[int, bytes | str]]:
    """(first line, raw bytes) of each message; every ``From `` line starts a message
    (as in the stdlib ``mailbox``: bodies escape theirs as ``>From ``), and mboxrd
    ``>From `` escapes are undone. A message past ``MAX_FILE_BYTES`` (or with a line
    past ``MAX_LINE_BYTES``) comes back as the reason it is rejected; lines are
    counted in ``report``."""
    start, lines, size, refused = 0, [], 0, None
    with open_source(path) as fh:
        for lineno, line in enumerate(bounded_lines(fh), start=1):
            report.lines += 1
            if line is not None and line.startswith(b"From "):
                if start:
                    yield start, refused or b"".join(lines)
                start, lines, size, refused = lineno, [], 0, None
            elif start:
                if refused:
                    continue
                if line is None:
                    refused, lines = f"{line_too_long()} (line {lineno})", []
                    continue
                size += len(line)
                if size > MAX_FILE_BYTES:
                    refused, lines = f"message larger than {MAX_FILE_BYTES} bytes (limit MAX_FILE_BYTES)", []
                    continue
                stripped = line.lstrip(b">")
                lines.append(line[1:] if stripped.startswith(b"From ") and line.startswith(b">") else line)
            elif line is None or line.strip():
                raise FormatError(f"{path} is not an mbox: line {lineno} comes before any 'From ' line")
    if start:
        yield start, refused or b"".join(lines)
    else:
        raise FormatError(f"{path} is not an mbox: no 'From ' separator line")


@register_format("mbox", record=Example, description="raw e-mail: an mbox mailbox, one Example a message")
def load_mbox(path: Path, report: LoadReport, *, label: str | None = None) -> Iterator[Example]:
    """One Example per message of an mbox file, streamed (see :func:`load_eml` for the record).

    Args:
        label: the label of every message; required.

    Rejections point at the message's ``From `` line.
    """
    label = _check_label(label, "mbox")
    for lineno, data in _mbox_messages(path, report):
        msg = data if isinstance(data, str) else _parse(data)
        result = msg if isinstance(msg, str) else _example(msg, label, {"source_row": lineno})
        if isinstance(result, str):
            report.reject(str(path), lineno, result)
            continue
        report.accept()
        yield result
