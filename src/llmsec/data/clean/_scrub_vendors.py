"""detect-secrets (Yelp) beside the scrubber's own patterns.

Two parts of detect-secrets are used, each kept because it raised recall on the
planted corpus without lowering precision (``benchmarks/bench_scrub.py`` prints
the ablation, including the parts left out):

- the vendor plugins' published token patterns (``denylist``) for services the
  project's rules do not name: SendGrid, GitLab, Twilio, Discord, Telegram,
  Mailchimp, Square, Azure storage, PyPI. A finding must stand alone as a token
  (no letter or digit touching either end), so a pattern cannot fire inside a
  longer hash or word;
- the Base64 high-entropy plugin: quoted strings over its Shannon-entropy limit
  (4.5 bits; a string under ~30 characters cannot reach 4.5 bits, so it must
  reach 87% of the most its length allows), with detect-secrets' own
  false-positive filters (sequential strings, UUIDs, templated values) and some
  of ours: hex-only strings are digests and ids, not secrets (its hex-entropy
  plugin is left out for that reason), nor are ``ami-0abc...`` resource ids;
  identifiers are words, not keys; base64 that decodes to text is encoded text;
  an SRI ``sha512-...`` string is a digest.

Left out (measured, see the docs): the keyword plugin (the project's context
rules already find what it finds, and its ``\\w*`` name patterns are quadratic on
long lines), the hex-entropy plugin, and plugins whose patterns are unbounded
(Artifactory, npm, OpenAI's older format: an OpenAI rule with bounded runs is in
``_scrub_rules``). detect-secrets is imported on first use, not with ``llmsec``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import re
from collections.abc import Iterator
from typing import Any

from ._scrub_rules import _WORDY, Finding, _is_reference

# (module, class, triggers): the plugins whose patterns are bounded
_VENDORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("sendgrid", "SendGridDetector", ("SG.",)),
    ("gitlab_token", "GitLabTokenDetector", ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "GR1348941", "glcbt-",
                                             "glimt-", "glptt-", "glagent-", "gloas-")),
    ("twilio", "TwilioKeyDetector", ("AC", "SK")),
    ("discord", "DiscordBotTokenDetector", (".",)),  # (and _PREFILTER)
    ("telegram_token", "TelegramBotTokenDetector", (":",)),
    ("mailchimp", "MailchimpDetector", ("-us",)),
    ("square_oauth", "SquareOAuthDetector", ("sq0csp-",)),
    ("azure_storage_key", "AzureStorageKeyDetector", ("AccountKey=",)),
    ("pypi_token", "PypiTokenDetector", ("pypi-",)),
)
_TOKEN_CHAR = re.compile(r"[A-Za-z0-9]")
# cheap searches (a literal first character) that every token of the plugin matches, for plugins whose
# trigger characters are in most texts
_PREFILTER = {
    "DiscordBotTokenDetector": re.compile(r"\.[a-zA-Z\d_-]{6}\."),
    "TelegramBotTokenDetector": re.compile(r":[0-9A-Za-z_-]{35}"),
    "MailchimpDetector": re.compile(r"-us\d"),
}


@functools.cache
def _vendor_patterns() -> tuple[tuple[tuple[str, ...], re.Pattern[str] | None, tuple[re.Pattern[str], ...]], ...]:
    import importlib

    out = []
    for module, cls, triggers in _VENDORS:
        plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), cls)
        out.append((triggers, _PREFILTER.get(cls), tuple(plugin.denylist)))
    return tuple(out)


def _span(m: re.Match[str]) -> tuple[int, int]:
    """The secret inside a plugin's match: its first non-empty group, or the whole match."""
    for i in range(1, (m.re.groups or 0) + 1):
        if m.group(i):
            # a group that is a prefix of the token (gitlab's "(glpat|...)-") stands for the whole match
            return (m.start(), m.end()) if m.start(i) == m.start() and m.end(i) < m.end() else m.span(i)
    return m.span()


def vendor_tokens(text: str, lowered: str) -> Iterator[Finding]:
    """Tokens of the services detect-secrets' vendor plugins know."""
    for triggers, prefilter, patterns in _vendor_patterns():
        for t in triggers:
            if t in text:
                break
        else:
            continue
        if prefilter is not None and not prefilter.search(text):
            continue
        for pattern in patterns:
            for m in pattern.finditer(text):
                start, end = _span(m)
                if start > 0 and _TOKEN_CHAR.match(text, start - 1) and not text.endswith("/bot", 0, start):
                    continue  # (a Telegram bot token sits in its URL as /bot<token>)
                if end < len(text) and _TOKEN_CHAR.match(text, end):
                    continue
                yield start, end, "API_TOKEN"


@functools.cache
def _entropy() -> tuple[Any, Any]:
    from detect_secrets.filters import heuristic
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    return Base64HighEntropyString(), heuristic


_HEX = re.compile(r"(?:[a-z]{1,12}[-_])?[0-9a-fA-F]+")  # digests, ids, and cloud resource ids (ami-0abc..., vpc-...)
_SRI = re.compile(r"sha(?:1|256|384|512)-[A-Za-z0-9+/]{20,}={0,2}\Z")  # subresource integrity: a digest
_MIN_LEN = 20
_SHORT_FRACTION = 0.87


def _decodes_to_text(value: str) -> bool:
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_" if "-" in value or "_" in value
                               else None, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) < 8:
        return False
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(c.isprintable() or c.isspace() for c in decoded) >= 0.95 * len(decoded)


def is_high_entropy_secret(value: str, plugin: Any = None, heuristic: Any = None) -> bool:
    """A quoted string detect-secrets' Base64 entropy plugin flags and no filter clears."""
    if plugin is None:
        plugin, heuristic = _entropy()
    if len(value) < _MIN_LEN or _HEX.fullmatch(value) or _SRI.match(value) or _WORDY.fullmatch(value.replace("_", "-")):
        return False  # the cheap filters first: the entropy is computed over the plugin's whole charset
    # detect-secrets' limit (4.5 bits) is above what a random string shorter than ~30 characters can reach
    # (at most log2(length) bits): shorter strings must reach 87% of that maximum instead
    limit = min(plugin.entropy_limit, _SHORT_FRACTION * math.log2(len(value)))
    if plugin.calculate_shannon_entropy(value) <= limit:
        return False
    return not (
        heuristic.is_sequential_string(value)
        or heuristic.is_potential_uuid(value)
        or heuristic.is_templated_secret(value)
        or _is_reference(value)
        or _decodes_to_text(value)
    )


def high_entropy_strings(text: str, lowered: str) -> Iterator[Finding]:
    """Quoted high-entropy strings (detect-secrets' Base64HighEntropyString and its filters)."""
    if '"' not in text and "'" not in text:
        return
    plugin, heuristic = _entropy()
    for m in plugin.regex.finditer(text):
        if is_high_entropy_secret(m.group(2), plugin, heuristic):
            yield m.start(2), m.end(2), "API_TOKEN"


_LINE_MAX = 1000  # the keyword plugin's patterns are quadratic in a line's length


def keyword_secrets(text: str, lowered: str) -> Iterator[Finding]:
    """detect-secrets' keyword plugin (measured, not used by default: see the module docstring)."""
    from detect_secrets.plugins.keyword import KeywordDetector

    plugin = KeywordDetector()
    pos = 0
    for line in text.splitlines(keepends=True):
        if len(line) <= _LINE_MAX:
            for value in plugin.analyze_string(line):
                i = line.find(value) if value else -1
                if i >= 0 and not _is_reference(value):
                    yield pos + i, pos + i + len(value), "PASSWORD"
        pos += len(line)
