"""Scrub secrets and personal data from text before training.

Each finding is replaced by a typed placeholder (``<AWS_ACCESS_KEY>``,
``<PASSWORD>``, ``<EMAIL>``, ...) and counted. Rules prefer known token
formats (``AKIA`` + 16, ``ghp_`` + 36, ``xoxb-``, ``AIza`` + 35, ``sk_live_``,
JWTs, PEM private keys); free-form secrets (passwords, generic API tokens) are
only taken from a context that names them (``password=``, ``"api_key": ...``,
``Authorization: Bearer ...``, ``scheme://user:pass@host``). Plain hex digests,
CVE ids, UUIDs and version strings outside such contexts are left alone, since
in security text they are indicators, not secrets.

Every rule carries cheap substring triggers; its regex only runs on texts that
contain one, which keeps scrubbing fast on large corpora.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ._records import Conversation, Document, Example, Message, MultipleChoice, Record

logger = logging.getLogger(__name__)

PLACEHOLDER_TYPES = (
    "PRIVATE_KEY",
    "JWT",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "GITHUB_TOKEN",
    "SLACK_TOKEN",
    "GOOGLE_API_KEY",
    "STRIPE_KEY",
    "API_TOKEN",
    "PASSWORD",
    "EMAIL",
    "IPV4",
    "IPV6",
)


def placeholder(kind: str) -> str:
    """The text that replaces a finding of ``kind`` (``"EMAIL"`` -> ``"<EMAIL>"``)."""
    return f"<{kind}>"


_PLACEHOLDER = re.compile("<(?:" + "|".join(PLACEHOLDER_TYPES) + ")>")

# values that name a secret rather than being one
_NOT_A_VALUE = frozenset((
    "none", "null", "nil", "true", "false", "undefined", "required", "optional", "string", "str", "int",
    "bool", "secret", "password", "passwd", "redacted", "hidden", "masked", "empty", "example", "test",
))
_VARIABLE = re.compile(
    r"[a-z_]*(?:password|passwd|passphrase|pwd|pass|secret|token|key)[a-z_0-9]*"
    r"|[a-z]+(?:Password|Passwd|Pwd|Pass|Secret|Token|Key)[A-Za-z]*"
    # attribute access: args.password, settings.API_KEY, self.dbPassword
    r"|(?:[a-z_][a-z0-9_]*|[A-Z_][A-Z0-9_]*|[a-z]+(?:[A-Z][a-z0-9]+)+)"
    r"(?:\.(?:[a-z_][a-z0-9_]*|[A-Z_][A-Z0-9_]*|[a-z]+(?:[A-Z][a-z0-9]+)+))+"
)
# keys that name a property of passwords, not a password: min_password_length, password_file
_ABOUT_PASSWORDS = re.compile(
    r"(?i)len|min|max|age|day|expir|polic|count|hash|reset|file|path|field|prompt|hint|strength|histor"
    r"|attempt|retr|timeout|rotat|enabl|requir|change|salt|encod|algo|digest|iter|round|complex"
)


def _is_reference(value: str) -> bool:
    """True for what stands for a secret in code and templates: ``${DB_PASS}``, ``%s``, ``****``."""
    v = value.strip()
    return (
        not v
        or v[0] in "$%{<[(?:"  # ${VAR}, %s, {{var}}, <secret>, ? and :name SQL binds
        or v.startswith(("os.", "env.", "process.env", "getenv", "ENV["))
        or set(v) <= set("*xX•.#-_")
        or v.lower() in _NOT_A_VALUE
        or _VARIABLE.fullmatch(v) is not None
        or _PLACEHOLDER.search(v) is not None
    )


def _classes(value: str) -> int:
    """How many of lower, upper, digit, symbol occur in ``value``."""
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


def _token_like(value: str) -> bool:
    """A generic API token: long, and not a word — mixed character classes, or a long hex/base32 run."""
    if len(value) < 16 or _is_reference(value):
        return False
    return _classes(value) >= 2 or (len(value) >= 20 and value.isalnum() and not value.isalpha())


def _password_like(value: str, tail: str) -> bool:
    """A password given unquoted: it ends its line/field, or it looks like one (mixed classes)."""
    if _is_reference(value):
        return False
    ends_field = tail == "" or tail[0] in "\r\n&;,)]}\"'#" or tail.lstrip(" \t")[:1] in ("", "\n", "\r", "#")
    return ends_field or (len(value) >= 6 and _classes(value) >= 2)


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...]  # any of these substrings must occur (in the lower-cased text if lower)
    lower: bool = False
    group: int | str = 0  # the part replaced by the placeholder
    check: Callable[[re.Match[str]], bool] | None = None
    classify: Callable[[str], str] | None = None  # a more specific kind for the value

    def applies(self, text: str, lowered: str) -> bool:
        hay = lowered if self.lower else text
        return any(t in hay for t in self.triggers)


def _value_group(m: re.Match[str]) -> str:
    return next(g for g in ("value", "dq", "sq", "bare") if m.re.groupindex.get(g) and m.group(g) is not None)


_NAME_TAIL = re.compile(r"[A-Za-z0-9_.-]*\Z")


def _check_password(m: re.Match[str]) -> bool:
    start = m.start("key")
    prefix = _NAME_TAIL.search(m.string, max(0, start - 40), start)
    if _ABOUT_PASSWORDS.search((prefix.group(0) if prefix else "") + m.group("key")):
        return False
    name = _value_group(m)
    value = m.group(name)
    if name != "bare":
        return not _is_reference(value)
    if "://" in value or m.group("sep") == ":":  # a URL; "password:X" is prose or markup, YAML has ": "
        return False
    if m.group("sep") == "=":  # KEY=value with no spaces: env, ini, query string
        return not _is_reference(value)
    return _password_like(value, m.string[m.end() : m.end() + 40])


def _check_flagged(m: re.Match[str]) -> bool:
    """After ``--password`` or ``IDENTIFIED BY '...'`` anything but a reference is the password."""
    return not _is_reference(m.group(_value_group(m)))


def _check_token(m: re.Match[str]) -> bool:
    return _token_like(m.group("value"))


def _check_url_password(m: re.Match[str]) -> bool:
    return not _is_reference(m.group("pw"))


def _check_ipv6(m: re.Match[str]) -> bool:
    text = m.group(0)
    if text.count(":") < 2 or not any(c.isdigit() for c in text) or text.strip(":") == "":
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


def _classify_token(value: str) -> str:
    return "JWT" if _JWT_RE.fullmatch(value) else "API_TOKEN"


_PEM = r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
_Q = r"(?:\"(?P<dq>[^\"\n]{1,200})\"|'(?P<sq>[^'\n]{1,200})'|(?P<bare>[^\s\"',;&<>()\[\]{}]{1,200}))"
# Key names. A compound name may sit inside a longer identifier (DB_PASSWORD, stripe_api_key), so
# it is matched from its core word on; short words (pass, pwd, token, secret) must start the name.
# (No leading [A-Za-z0-9_]* here: trying it at every position made these rules the slowest by far.)
_PASSWORD_KEY = r"(?:password|passwd|passphrase|[_.-]pwd)[A-Za-z0-9_]*|(?<![A-Za-z0-9])(?:pass|pwd|pword)"
_TOKEN_KEY = (
    r"(?:api[_-]?key|apikey|api[_-]?token|access[_-]?token|auth[_-]?token|refresh[_-]?token"
    r"|client[_-]?secret|secret[_-]?key|app[_-]?secret|private[_-]?token|session[_-]?token|bearer[_-]?token"
    r"|x-api-key)[A-Za-z0-9_]*|(?<![A-Za-z0-9])(?:token|secret)"
)
_TOKEN_VALUE = r"[A-Za-z0-9._~+/=-]{16,512}"

_RULES: tuple[_Rule, ...] = (
    _Rule(
        "PRIVATE_KEY",
        re.compile(_PEM + r".*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|" + _PEM + r"[A-Za-z0-9+/=\s\\:-]*",
                   re.DOTALL),
        ("PRIVATE KEY",),
    ),
    _Rule("JWT", re.compile(r"(?<![A-Za-z0-9_-])" + _JWT_RE.pattern), ("eyJ",)),
    _Rule(
        "AWS_ACCESS_KEY",
        re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}"
                   r"(?![A-Z0-9])"),
        ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "APKA", "AROA", "ASCA"),
    ),
    _Rule(
        "GITHUB_TOKEN",
        re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})"
                   r"(?![A-Za-z0-9_])"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _Rule(
        "SLACK_TOKEN",
        re.compile(r"(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9-]{10,250}"
                   r"|(?<=hooks\.slack\.com/services/)T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{16,32}"),
        ("xox", "hooks.slack.com"),
    ),
    _Rule(
        "GOOGLE_API_KEY",
        re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"),
        ("AIza",),
    ),
    _Rule(
        "STRIPE_KEY",
        re.compile(r"(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,99}(?![A-Za-z0-9_])"),
        ("k_live_", "k_test_"),
    ),
    _Rule(
        "AWS_SECRET_KEY",
        re.compile(r"(?i)(?:aws_?secret_?(?:access_?)?key(?:_?id)?|secret_?access_?key)[\"']?\s*(?:[:=]|=>)?\s*"
                   r"[\"']?(?P<value>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"),
        ("secret",),
        lower=True,
        group="value",
    ),
    _Rule(
        "API_TOKEN",
        re.compile(r"(?i)(?:\bauthorization[\"']?\s*[:=]\s*[\"']?\s*(?:bearer|token|basic)\s+|\bbearer\s+)"
                   r"(?P<value>[A-Za-z0-9._~+/=-]{16,1024})"),
        ("bearer", "authorization"),
        lower=True,
        group="value",
        check=_check_token,
        classify=_classify_token,
    ),
    _Rule(
        "API_TOKEN",
        re.compile(r"(?i)(?:" + _TOKEN_KEY + r")[\"']?\s*(?:[:=]|=>|:=)\s*[\"']?"
                   r"(?P<value>" + _TOKEN_VALUE + r")"),
        ("api", "token", "secret"),  # every key name holds one of these
        lower=True,
        group="value",
        check=_check_token,
        classify=_classify_token,
    ),
    _Rule(
        "PASSWORD",
        re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@?#\"'<>]{1,128}"
                   r":(?P<pw>[^\s@/?#\"'<>]{1,128})@(?=[A-Za-z0-9\[])"),
        ("://",),
        group="pw",
        check=_check_url_password,
    ),
    _Rule(
        "PASSWORD",
        re.compile(r"(?i)(?P<key>" + _PASSWORD_KEY + r")[\"']?(?P<sep>\s*(?:[:=]|=>|:=)\s*)"
                   + _Q),
        ("pass", "pwd"),
        lower=True,
        group="value",
        check=_check_password,
    ),
    _Rule(
        "PASSWORD",
        re.compile(r"(?i)(?:--password|--passwd)[\s=]+" + _Q + r"|\bidentified\s+by\s+'(?P<value>[^'\n]{1,200})'"),
        ("--pass", "identified"),
        lower=True,
        group="value",
        check=_check_flagged,
    ),
    _Rule(
        "PASSWORD",
        re.compile(r"(?i)<(?P<tag>password|passwd|[a-z_]*_password)>(?P<value>[^<\n]{1,200})</(?P=tag)>"),
        ("pass",),
        lower=True,
        group="value",
        check=lambda m: not _is_reference(m.group("value")),
    ),
    _Rule(  # not before ":path" — an ssh remote (git@host:org/repo) is no address
        "EMAIL",
        re.compile(r"(?<![A-Za-z0-9._%+/-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
                   r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])(?!:[\w~/])"),
        ("@",),
    ),
)

_IP_RULES: tuple[_Rule, ...] = (
    _Rule(
        "IPV4",
        re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
                   r"(?!\.?\d)(?!\w)"),
        (".",),
    ),
    _Rule(
        "IPV6",
        re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)[0-9A-Fa-f:]{2,39}(?![\w:])"),
        ("::", ":0", ":1", ":2", ":3", ":4", ":5", ":6", ":7", ":8", ":9", ":a", ":b", ":c", ":d", ":e", ":f"),
        lower=True,
        check=_check_ipv6,
    ),
)


def _replace(text: str, lowered: str, rules: Iterable[_Rule], counts: Counter[str]) -> str:
    for rule in rules:
        if not rule.applies(text, lowered):
            continue

        def sub(m: re.Match[str], rule: _Rule = rule) -> str:
            if rule.check is not None and not rule.check(m):
                return m.group(0)
            group: int | str = _value_group(m) if rule.group == "value" else rule.group
            kind = rule.classify(m.group(group)) if rule.classify else rule.kind
            counts[kind] += 1
            start, end = m.span(group)
            whole = m.group(0)
            base = m.start()
            return whole[: start - base] + placeholder(kind) + whole[end - base :]

        new = rule.pattern.sub(sub, text)
        if new is not text:
            text = new
            lowered = text.lower()
    return text


def scrub(text: str, *, ips: bool = False) -> tuple[str, Counter[str]]:
    """Replace secrets and personal data in ``text`` by typed placeholders.

    Args:
        text: any text (prose, code, configs, logs, e-mails).
        ips: also replace IPv4 / IPv6 addresses (off by default: in security
            text they are often indicators worth keeping).

    Returns:
        The scrubbed text and a Counter of replacements by type (``"EMAIL"``, ...).
    """
    counts: Counter[str] = Counter()
    rules = _RULES + _IP_RULES if ips else _RULES
    return _replace(text, text.lower(), rules, counts), counts


@dataclass
class ScrubReport:
    """What :func:`scrub_records` replaced.

    Attributes:
        counts: replacements by placeholder type.
        read: records read.
        changed: records with at least one replacement.
    """

    counts: Counter[str] = field(default_factory=Counter)
    read: int = 0
    changed: int = 0

    @property
    def total(self) -> int:
        """All replacements."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line: totals and counts by type."""
        kinds = ", ".join(f"{k} {n}" for k, n in self.counts.most_common()) or "nothing"
        return f"scrub: {self.total} replacements in {self.changed} of {self.read} records ({kinds})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"read": self.read, "changed": self.changed, "total": self.total, "counts": dict(self.counts)}


PARALLEL_MIN_RECORDS = 5_000  # below this, starting worker processes costs more than it saves


def scrub_records(
    records: Sequence[Record], *, ips: bool = False, workers: int | None = None
) -> tuple[list[Record], ScrubReport]:
    """Scrub every text field of every record (meta is left as it is).

    Args:
        records: canonical records.
        ips: also replace IPv4/IPv6 addresses.
        workers: processes to scrub in; None uses every core for large inputs
            (at least ``PARALLEL_MIN_RECORDS`` records, where ``fork`` is available)
            and one process otherwise. The output does not depend on it.

    Returns:
        New records, in input order (unchanged ones are equal to their input), and a :class:`ScrubReport`.
    """
    records = list(records)
    n_workers = _workers(workers, len(records))
    if n_workers <= 1:
        out, report = _scrub_chunk(records, ips)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        size = -(-len(records) // n_workers)
        chunks = [records[i : i + size] for i in range(0, len(records), size)]
        with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_scrub_chunk, chunks, [ips] * len(chunks)))
        out, report = [], ScrubReport()
        for part_records, part_report in parts:
            out += part_records
            report.read += part_report.read
            report.changed += part_report.changed
            report.counts.update(part_report.counts)
    logger.info(report.summary())
    return out, report


def _workers(requested: int | None, n_records: int) -> int:
    import multiprocessing
    import os

    if requested is not None:
        return max(1, requested)
    if n_records < PARALLEL_MIN_RECORDS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return os.cpu_count() or 1


def _scrub_chunk(records: Sequence[Record], ips: bool) -> tuple[list[Record], ScrubReport]:
    """Scrub ``records`` in this process (the unit of work of :func:`scrub_records`)."""
    report = ScrubReport()
    out: list[Record] = []
    for record in records:
        counts: Counter[str] = Counter()

        def clean(text: str, counts: Counter[str] = counts) -> str:
            new, found = scrub(text, ips=ips)
            counts.update(found)
            return new

        if isinstance(record, Document | Example):
            new = replace(record, text=clean(record.text))
        elif isinstance(record, Conversation):
            messages = tuple(Message(m.role, clean(m.content)) for m in record.messages)
            new = replace(record, messages=messages)
        elif isinstance(record, MultipleChoice):
            new = replace(
                record, question=clean(record.question), choices=tuple(clean(c) for c in record.choices)
            )
        else:
            raise TypeError(f"not a canonical record: {type(record).__name__}")
        report.read += 1
        if counts:
            report.changed += 1
            report.counts.update(counts)
            out.append(new)
        else:
            out.append(record)
    return out, report

