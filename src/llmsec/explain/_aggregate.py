"""From token scores to the units a person reasons in: lines, words and header fields, URL parts, flow features.

A token belongs to the unit that holds its first non-whitespace character
(tokens that are only whitespace belong to none); a unit's score is the sum of
its tokens' scores, as LineVul sums token attention per line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

UNITS: tuple[str, ...] = ("auto", "line", "word", "url", "feature")

_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]?(.*)$")
_FLOW_PAIR = re.compile(r"(?<!\S)([^\s=]+)=(\S*)")
_URL_LIKE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?[^\s/?#@]+\.[^\s/?#@]+(?:[/?#]\S*)?$")
_HOST = re.compile(r"^[\w.-]+$|^[0-9a-fA-F:.]+$")
_TASK_UNITS = {"vuln": "line", "code": "line", "url": "url", "flow": "feature", "nids": "feature",
               "intrusion": "feature", "mail": "word", "email": "word", "phish": "word", "spam": "word"}


@dataclass
class Unit:
    """A span of the input that a person reads as one thing, with its attribution.

    Attributes:
        kind: ``line``, ``word``, ``header`` (an e-mail header field), ``url`` (a URL
            part) or ``feature`` (a ``name=value`` flow feature).
        name: the line number (``"12"``), the word, the header or URL part name
            (``Subject``, ``host``, ``query``) or the feature name.
        text: the unit's text.
        start: character offset in the input (inclusive).
        end: character offset in the input (exclusive).
        score: the sum of its tokens' scores.
        tokens: indices (into the explanation's tokens) of its tokens.
    """

    kind: str
    name: str
    text: str
    start: int
    end: int
    score: float = 0.0
    tokens: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"kind": self.kind, "name": self.name, "text": self.text, "start": self.start, "end": self.end,
                "score": self.score, "tokens": list(self.tokens)}


def choose_unit(text: str, unit: str = "auto", task: str | None = None) -> str:
    """The unit to aggregate to: ``unit`` itself, or (``auto``) one guessed from the text and the task.

    A one-line URL is ``url``, a run of ``name=value`` pairs ``feature`` and a text opening with
    e-mail headers ``word``, whatever the task;
    otherwise the checkpoint's task decides (``vuln-*`` -> ``line``, e-mail/phishing -> ``word``),
    then the text: several lines or C-like punctuation -> ``line``, else ``word``.
    """
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    if unit != "auto":
        return unit
    stripped = text.strip()
    if stripped and "\n" not in stripped and _URL_LIKE.match(stripped):
        return "url"
    pairs = _FLOW_PAIR.findall(stripped)
    if pairs and len(pairs) >= 0.8 * len(stripped.split()):
        return "feature"
    if _email_headers(text):
        return "word"
    if task:
        for key, guess in _TASK_UNITS.items():
            if key in task.lower() and guess not in ("url", "feature"):
                return guess
    if stripped.count("\n") >= 2 or any(c in stripped for c in ";{}"):
        return "line"
    return "word"


def units_for(text: str, unit: str) -> tuple[list[Unit], list[Unit]]:
    """The primary units of ``text`` (non-overlapping) and coarser fields (e-mail headers and body)."""
    if unit == "line":
        return line_units(text), []
    if unit == "word":
        return word_units(text), email_fields(text)
    if unit == "url":
        return url_units(text), []
    if unit == "feature":
        return feature_units(text), []
    raise ValueError(f"cannot aggregate to unit {unit!r}; use line, word, url or feature")


def line_units(text: str) -> list[Unit]:
    """One unit per line, named by its 1-based number (blank lines included, with no tokens)."""
    units, pos = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        units.append(Unit("line", str(number), line, pos, pos + len(line)))
        pos += len(line) + 1
    return units


def word_units(text: str) -> list[Unit]:
    """One unit per whitespace-separated word."""
    return [Unit("word", m.group(0), m.group(0), m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def _email_headers(text: str) -> list[tuple[str, int, int]]:
    """``(name, start, end)`` of each header line before the first blank line (empty if not headers)."""
    headers, pos = [], 0
    for line in text.split("\n"):
        if not line.strip():
            break
        m = _HEADER.match(line)
        if m is None:
            if headers and line[:1] in " \t":  # a folded header continues
                name, start, _ = headers[-1]
                headers[-1] = (name, start, pos + len(line))
                pos += len(line) + 1
                continue
            return []
        headers.append((m.group(1), pos, pos + len(line)))
        pos += len(line) + 1
    return headers


def email_fields(text: str) -> list[Unit]:
    """E-mail header fields (``Subject``, ``From``, ...) and the body, when ``text`` starts with headers."""
    headers = _email_headers(text)
    if not headers:
        return []
    fields = [Unit("header", name, text[start:end], start, end) for name, start, end in headers]
    body_start = headers[-1][2]
    while body_start < len(text) and text[body_start] in "\r\n":
        body_start += 1
    if body_start < len(text):
        fields.append(Unit("header", "body", text[body_start:], body_start, len(text)))
    return fields


def url_units(text: str) -> list[Unit]:
    """The parts of a URL: scheme, userinfo, subdomain, domain (registrable), port, path, query, fragment.

    Raises:
        ValueError: ``text`` is not a URL with a host name.
    """
    offset = len(text) - len(text.lstrip())
    url = text.strip()
    has_scheme = "://" in url
    try:
        parts = urlsplit(url if has_scheme else "http://" + url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise ValueError(f"not a URL: {url[:80]!r}; use --unit word for free text") from None
    if not host or not _HOST.match(host):
        raise ValueError(f"not a URL (no host name): {url[:80]!r}; use --unit word for free text")
    pieces: list[tuple[str, str]] = []
    if has_scheme:
        pieces.append(("scheme", parts.scheme + "://"))
    netloc = parts.netloc
    if "@" in netloc:
        pieces.append(("userinfo", netloc.rsplit("@", 1)[0] + "@"))
    host_text = netloc.rsplit("@", 1)[-1]
    host_only = host_text.rsplit(":", 1)[0] if port is not None else host_text
    domain = _registered_domain(host_only)
    if domain and host_only.lower().endswith(domain.lower()) and len(domain) < len(host_only):
        pieces.append(("subdomain", host_only[: len(host_only) - len(domain)]))
        pieces.append(("domain", host_only[len(host_only) - len(domain):]))
    else:
        pieces.append(("domain", host_only))
    if port is not None:
        pieces.append(("port", host_text[len(host_only):]))
    rest = url[url.find(netloc) + len(netloc):] if netloc else ""
    for name, sep in (("path", None), ("query", "?"), ("fragment", "#")):
        if name == "path":
            cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
        elif sep == "?":
            cut = rest.find("#") if "#" in rest else len(rest)
            if not rest.startswith("?"):
                continue
        else:
            cut = len(rest)
            if not rest.startswith("#"):
                continue
        if cut > 0:
            pieces.append((name, rest[:cut]))
        rest = rest[cut:]
    units, pos = [], offset
    for name, piece in pieces:
        at = text.find(piece, pos)
        if at < 0:  # pragma: no cover - every piece is cut from the text itself
            continue
        units.append(Unit("url", name, piece, at, at + len(piece)))
        pos = at + len(piece)
    return units


def _registered_domain(host: str) -> str:
    try:
        from llmsec.data.formats.phishing_url import registered_domain
    except ImportError:  # pragma: no cover - tldextract is a declared dependency
        return host
    return registered_domain(host)


def feature_units(text: str) -> list[Unit]:
    """One unit per ``name=value`` pair of a serialized flow (see :func:`llmsec.data.formats.flow_text.serialize_flow`).

    Raises:
        ValueError: ``text`` holds no ``name=value`` pair.
    """
    units = [Unit("feature", m.group(1), m.group(0), m.start(), m.end()) for m in _FLOW_PAIR.finditer(text)]
    if not units:
        raise ValueError(f"no name=value features in {text[:80]!r}: unit 'feature' needs a serialized flow "
                         "(llmsec.data.formats.flow_text.serialize_flow); use --unit word for free text")
    return units


def assign_tokens(text: str, offsets: Sequence[tuple[int, int]], units: list[Unit]) -> list[int | None]:
    """For each token, the index of the unit holding its first non-whitespace character (None: no unit)."""
    starts = [u.start for u in units]
    owner: list[int | None] = []
    for start, end in offsets:
        pos = start
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            owner.append(None)
            continue
        i = bisect.bisect_right(starts, pos) - 1
        owner.append(i if i >= 0 and units[i].start <= pos < max(units[i].end, units[i].start + 1) else None)
    return owner


def aggregate(text: str, offsets: Sequence[tuple[int, int]], scores: Sequence[float], units: list[Unit]) -> None:
    """Fill each unit's ``tokens`` and ``score`` (sum of token scores) in place; units must be sorted by start."""
    for u in units:
        u.tokens, u.score = [], 0.0
    for t, owner in enumerate(assign_tokens(text, offsets, units)):
        if owner is not None:
            units[owner].tokens.append(t)
            units[owner].score += float(scores[t])


def rank(units: Sequence[Unit], k: int | None = None) -> list[Unit]:
    """Units with tokens, highest score first (ties: earlier first)."""
    ranked = sorted((u for u in units if u.tokens), key=lambda u: (-u.score, u.start))
    return ranked if k is None else ranked[:k]
