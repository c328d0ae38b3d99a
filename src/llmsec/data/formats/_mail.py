"""What the e-mail formats share: labels, sender domains, dates, HTML to text."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from ._rows import RowError
from ._source import MAX_MIME_DEPTH

#: Canonical e-mail labels: ``phishing`` (credential theft, fraud), ``spam``
#: (unsolicited bulk mail), ``legitimate`` (ham).
PHISHING, SPAM, LEGITIMATE = "phishing", "spam", "legitimate"
_LABELS = {
    PHISHING: {"phishing", "phish", "phishing email", "fraud"},
    SPAM: {"spam", "spam email"},
    LEGITIMATE: {"legitimate", "legit", "ham", "benign", "safe", "safe email", "normal"},
}
_ALIASES = {alias: canon for canon, aliases in _LABELS.items() for alias in aliases}


def canonical_label(raw: str, positive: str = PHISHING) -> str:
    """Map a dataset's label to ``phishing``/``spam``/``legitimate``; ``1`` means ``positive``
    and ``0`` legitimate. Raise :class:`RowError` for anything else."""
    value = " ".join(raw.split()).lower()
    if not value:
        raise RowError("empty label")
    if value in ("1", "1.0"):
        return positive
    if value in ("0", "0.0"):
        return LEGITIMATE
    if value in _ALIASES:
        return _ALIASES[value]
    raise RowError(f"unknown label {raw.strip()[:40]!r}")


def check_positive(positive: str) -> str:
    """Validate the ``positive`` option (what label ``1`` means)."""
    if positive not in (PHISHING, SPAM):
        raise ValueError(f"positive must be 'phishing' or 'spam', got {positive!r}")
    return positive


def sender_domain(sender: str | None) -> str | None:
    """The lower-cased domain of a From/sender address, or None."""
    if not sender:
        return None
    _, address = parseaddr(sender)
    domain = address.rpartition("@")[2].strip().strip(">").lower()
    return domain if "@" in address and domain else None


#: Parts one e-mail may hold in all (a MIME bomb of thousands of parts is rejected).
MAX_MIME_PARTS = 10_000
#: Multipart declarations one raw e-mail may hold, counted before parsing: the stdlib
#: parser's time grows with the square of the nesting (500 levels take seconds).
MAX_MIME_MULTIPARTS = 100
_MULTIPART = re.compile(rb"content-type:\s*multipart/", re.IGNORECASE)


def mime_precheck(data: bytes, limit: int = MAX_MIME_MULTIPARTS) -> str | None:
    """Why a raw message is refused before it is parsed (too many multipart parts), else None."""
    count = len(_MULTIPART.findall(data))
    if count > limit:
        return f"more than {limit} multipart parts ({count}; limit MAX_MIME_MULTIPARTS)"
    return None


def mime_too_deep(limit: int = MAX_MIME_DEPTH) -> str:
    """The rejection reason of a message nested past ``limit``."""
    return f"MIME multiparts nested deeper than {limit} levels (limit MAX_MIME_DEPTH)"


def mime_problem(msg: EmailMessage, limit: int = MAX_MIME_DEPTH, max_parts: int = MAX_MIME_PARTS) -> str | None:
    """Why a parsed message is refused (multiparts nested past ``limit``, more than
    ``max_parts`` parts), else None. Iterative: a deep message cannot exhaust the stack."""
    stack: list[tuple[EmailMessage, int]] = [(msg, 0)]
    parts = 0
    while stack:
        part, depth = stack.pop()
        parts += 1
        if parts > max_parts:
            return f"more than {max_parts} MIME parts (limit MAX_MIME_PARTS)"
        if not part.is_multipart():
            continue
        if depth >= limit:
            return mime_too_deep(limit)
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((p, depth + 1) for p in payload if isinstance(p, EmailMessage))
    return None


_US_DATES = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


def iso_date(value: str | None) -> str | None:
    """An RFC 2822 date (or a spreadsheet's US ``M/D/YYYY H:MM``) as ISO 8601, else None."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value)).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    for fmt in _US_DATES:
        try:
            return datetime.strptime(str(value).strip(), fmt).isoformat()
        except ValueError:
            continue
    return None


class _TextExtractor(HTMLParser):
    _SKIP = frozenset({"script", "style", "head", "title"})
    _BREAK = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body (scripts and styles dropped, whitespace tidied)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def message_text(msg: EmailMessage) -> str:
    """``Subject: ...`` then a blank line and the body (text/plain preferred, HTML stripped)."""
    subject = " ".join(str(msg.get("subject", "") or "").split())
    body = ""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is not None:
        try:
            content = part.get_content()
        except (LookupError, ValueError, AssertionError):  # unknown charset, broken encoding
            payload = part.get_payload(decode=True) or b""
            content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
        if not isinstance(content, str):
            content = content.decode("utf-8", "replace") if isinstance(content, bytes) else ""
        body = html_to_text(content) if part.get_content_type() == "text/html" else content.strip()
    return f"Subject: {subject}\n\n{body}" if subject else body
