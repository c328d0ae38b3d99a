"""Payment card numbers (ISO/IEC 7812: issuer prefix, length, Luhn) and phone numbers (ITU-T E.164, libphonenumber).

Both detectors find candidates with a linear pattern (bounded groups, a digit
boundary on each side) and then decide in code:

- a card number is 13-19 digits, in one group or in groups split by one kind of
  separator, whose issuer prefix and length belong to a card network (Visa,
  Mastercard, American Express, Discover, JCB, Diners Club, UnionPay, Maestro)
  and whose Luhn checksum holds. IMEIs (15 digits, Luhn-checked, prefix 35/86/01)
  and millisecond timestamps have no network prefix of their length;
- a phone number is written as one: ``+`` or ``00`` and a country code
  (``+1 415-555-2671``, ``+442079460958``), a North American ``(212) 555-0147``
  / ``212-555-0147`` / ``212.555.0147``, or a national number with its trunk
  ``0`` (``020 7946 0958``, ``030 901820``, ``01 42 68 53 00``), and it is a
  valid number for its country in Google's libphonenumber metadata (the
  ``phonenumbers`` package, imported on first use). Bare digit runs without
  ``+`` are not taken: dates, versions, ports, order ids and hashes look the same.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from ._scrub_rules import Finding

_CARD = re.compile(r"(?<![\w.+/-])\d(?:[ -]?\d){12,18}(?![\w]|[./-]\d)")
# (prefix range low, high, allowed lengths): ISO/IEC 7812 issuer identification numbers
_NETWORKS: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset((16, 19))),  # Visa (13-digit Visa numbers are retired; EAN-13 barcodes start with 40-44)
    (51, 55, frozenset((16,))),  # Mastercard
    (2221, 2720, frozenset((16,))),  # Mastercard 2-series
    (34, 34, frozenset((15,))),  # American Express
    (37, 37, frozenset((15,))),
    (6011, 6011, frozenset(range(16, 20))),  # Discover
    (644, 649, frozenset(range(16, 20))),
    (65, 65, frozenset(range(16, 20))),
    (3528, 3589, frozenset(range(16, 20))),  # JCB
    (300, 305, frozenset(range(14, 20))),  # Diners Club
    (36, 36, frozenset(range(14, 20))),
    (38, 39, frozenset(range(16, 20))),
    (62, 62, frozenset(range(16, 20))),  # UnionPay
    (5018, 5018, frozenset(range(12, 20))),  # Maestro
    (5020, 5020, frozenset(range(12, 20))),
    (5038, 5038, frozenset(range(12, 20))),
    (5893, 5893, frozenset(range(12, 20))),
    (6304, 6304, frozenset(range(12, 20))),
    (6759, 6759, frozenset(range(12, 20))),
    (6761, 6763, frozenset(range(12, 20))),
)


def luhn(digits: str) -> bool:
    """The Luhn (mod 10) checksum of a digit string holds."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """A card network's prefix and length, and a valid Luhn checksum."""
    n = len(digits)
    if not 12 <= n <= 19 or len(set(digits)) < 3:
        return False
    for low, high, lengths in _NETWORKS:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and n in lengths:
            return luhn(digits)
    return False


def _card_groups_ok(raw: str) -> bool:
    """One kind of separator, groups of 4-6 digits (``4539 1488 0343 6467``, ``3714 496353 98431``)."""
    seps = {c for c in raw if not c.isdigit()}
    if not seps:
        return True
    if len(seps) > 1:
        return False
    groups = raw.split(seps.pop())
    return all(3 <= len(g) <= 6 for g in groups[:-1]) and 1 <= len(groups[-1]) <= 6


_TWO_DIGITS = re.compile(r"\d\d")  # card and phone numbers hold two digits in a row


# Runs of the characters a number is written with. The full patterns (which open with lookbehinds, so
# the regex engine cannot skip ahead to a likely start) run only inside these runs; a lookbehind still
# sees the text before the run, and the 2 characters after it are given for the closing lookahead.
_RUN = re.compile(r"[+(\d][\d ().+-]{6,}")  # a card number or a phone number lies inside one such run


def numbers(text: str, lowered: str) -> Iterator[Finding]:
    """Card numbers, then phone numbers, from one scan for runs of digits (both in one pass: it is the cost)."""
    if not _TWO_DIGITS.search(text):
        return
    for r in _RUN.finditer(text):
        end = min(len(text), r.end() + 2)
        if r.end() - r.start() >= 12:
            for m in _CARD.finditer(text, r.start(), end):
                digits = m.group(0).replace(" ", "").replace("-", "")
                if _card_groups_ok(m.group(0)) and is_card_number(digits):
                    yield m.start(), m.end(), "CREDIT_CARD"
        for m in _PHONE.finditer(text, r.start(), end):
            if _is_phone(m):
                yield m.start(), m.end(), "PHONE"


# Every digit group after the first starts with a separator (or a parenthesis), so a digit run splits
# one way only and a failed match backtracks over a bounded number of groups.
_PHONE = re.compile(
    r"(?<![\w+./#@-])(?<!\d[ .-])(?<!\d[ .-]\()"  # not the tail of a longer group of digits
    r"(?:(?P<intl>\+|00)(?:[1-9]\d{6,14}|[1-9]\d{0,3}(?:[ .-]?\(0\)\d{0,5})?(?:(?:[ .-]|[ .-]?\()\d{1,8}\)?){1,6})"
    r"|(?P<nanp>(?:1[ .-])?(?:\(\d{3}\) ?\d{3}[ .-]\d{4}|\d{3}(?P<ns>[ .-])\d{3}(?P=ns)\d{4}))"
    r"|(?P<trunk>0\d{1,4}(?:[ -]\(?\d{1,8}\)?){1,5}))"
    r"(?![\w]|[.:/-]\d|-\w)"
)
# national formats tried for numbers written with their trunk 0
_TRUNK_REGIONS = ("GB", "DE", "FR", "NL", "IT", "AT", "CH", "BE", "AU", "IN", "JP", "BR", "SE", "IE", "NZ")
_DATE = re.compile(r"\d{1,4}([./ -])\d{1,2}\1\d{1,4}")


@functools.cache
def _phonenumbers() -> Any:
    import phonenumbers

    return phonenumbers


def _valid(number: str, region: str | None) -> bool:
    pn = _phonenumbers()
    try:
        parsed = pn.parse(number, region)
    except pn.NumberParseException:
        return False
    return bool(pn.is_valid_number(parsed))


def _is_phone(m: re.Match[str]) -> bool:
    raw = m.group(0)
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        return False
    if m.group("intl"):
        if m.group("intl") == "00":
            if " " not in raw and "-" not in raw:  # 0049301234567 could be anything
                return False
            raw = "+" + raw[2:]
        return _valid(raw, None)
    if _DATE.fullmatch(raw):
        return False
    if m.group("nanp"):
        return _valid(raw, "US")
    return any(_valid(raw, region) for region in _TRUNK_REGIONS)
