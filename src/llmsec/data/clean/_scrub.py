"""Scrub secrets and personal data from text before training.

Each finding is replaced by a typed placeholder (``<AWS_ACCESS_KEY>``,
``<PASSWORD>``, ``<EMAIL>``, ``<CREDIT_CARD>``, ...) and counted. Three sets of
detectors run over the original text, in this order, and where two findings
overlap the earlier detector's wins:

1. the project's own patterns (:mod:`._scrub_rules`): known token formats
   (``AKIA`` + 16, ``ghp_`` + 36, ``xoxb-``, ``AIza`` + 35, ``sk_live_``, JWTs,
   PEM private keys) and free-form secrets taken only from a context that names
   them (``password=``, ``"api_key": ...``, ``SENDGRID_KEY=...``,
   ``Authorization: Bearer ...``, ``scheme://user:pass@host``);
2. detect-secrets' vendor token patterns and its Base64 entropy plugin
   (:mod:`._scrub_vendors`);
3. personal data: e-mail addresses (a Public Suffix List top-level domain),
   payment card numbers (issuer prefix, length, Luhn) and phone numbers
   (libphonenumber) (:mod:`._scrub_pii`), and IP addresses when asked.

Plain hex digests, CVE ids, UUIDs and version strings outside such contexts are
left alone, since in security text they are indicators, not secrets. Recall and
precision are measured on a planted corpus (:mod:`._scrub_corpus`,
``benchmarks/bench_scrub.py``).
"""

from __future__ import annotations

import bisect
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .._records import Conversation, Document, Example, Message, MultipleChoice, Record
from ._scrub_pii import numbers
from ._scrub_rules import EMAIL, IP_RULES, RULES, Detector, Finding
from ._scrub_vendors import high_entropy_strings, vendor_tokens

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
    "CREDIT_CARD",
    "PHONE",
    "IPV4",
    "IPV6",
)


def placeholder(kind: str) -> str:
    """The text that replaces a finding of ``kind`` (``"EMAIL"`` -> ``"<EMAIL>"``)."""
    return f"<{kind}>"


DETECTORS: tuple[Detector, ...] = (*RULES, vendor_tokens, high_entropy_strings, EMAIL, numbers)


def find(text: str, *, ips: bool = False, detectors: Sequence[Detector] | None = None) -> list[Finding]:
    """Where the secrets and personal data in ``text`` are: ``(start, end, kind)``, sorted, not overlapping.

    Args:
        text: any text.
        ips: also find IPv4 / IPv6 addresses.
        detectors: the detectors to run, in priority order (default: :data:`DETECTORS`).
    """
    lowered = text.lower()
    chosen = tuple(DETECTORS if detectors is None else detectors) + (IP_RULES if ips else ())
    taken: list[Finding] = []  # sorted by start, never overlapping: a finding is checked against two neighbours
    for detector in chosen:
        for finding in detector(text, lowered):
            start, end, _ = finding
            i = bisect.bisect_left(taken, finding)
            if (i > 0 and taken[i - 1][1] > start) or (i < len(taken) and taken[i][0] < end):
                continue
            taken.insert(i, finding)
    return taken


def _apply(text: str, findings: list[Finding]) -> tuple[str, Counter[str]]:
    counts: Counter[str] = Counter()
    parts: list[str] = []
    pos = 0
    for start, end, kind in findings:
        parts += (text[pos:start], placeholder(kind))
        counts[kind] += 1
        pos = end
    parts.append(text[pos:])
    return "".join(parts), counts


def scrub(text: str, *, ips: bool = False) -> tuple[str, Counter[str]]:
    """Replace secrets and personal data in ``text`` by typed placeholders.

    Args:
        text: any text (prose, code, configs, logs, e-mails).
        ips: also replace IPv4 / IPv6 addresses (off by default: in security
            text they are often indicators worth keeping).

    Returns:
        The scrubbed text and a Counter of replacements by type (``"EMAIL"``, ...).
    """
    findings = find(text, ips=ips)
    if not findings:
        return text, Counter()
    return _apply(text, findings)


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

