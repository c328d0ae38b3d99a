"""A planted corpus for measuring the scrubber: secrets where they occur, and look-alikes that must survive.

:func:`build_corpus` writes documents of the kinds training text is made of
(config files, ``.env`` files, code, logs, mail, chat transcripts, CSV exports,
shell history, lock files, Dockerfiles, certificates), with a fixed seed. Each
document records where every planted secret is (its kind and span) and where
every look-alike is: file digests and git commit ids, UUIDs, version strings
(also IPv4-shaped ones behind ``>=`` or ``Chrome/``), ``@2x`` image names, npm
``@scope/pkg@1.2.3`` specifiers, decimal numbers, dates and timestamps, order and
ISBN numbers, IMEIs (Luhn-valid), random 16-digit account ids (Luhn-valid one time
in ten), public keys and certificates, GPG fingerprints, SRI integrity hashes,
base64 of plain text, template references. The look-alikes are drawn the way they
occur, not picked to miss the rules.

:func:`measure` scrubs every document and scores the findings by span:

- a planted secret is *found* when findings cover all of its characters (a
  partly replaced secret counts as missed); recall = found / planted, per kind;
- a finding is *true* when it overlaps a planted secret and *false* otherwise
  (on a look-alike or anywhere else); precision = true / findings, per kind of
  finding;
- a look-alike *survives* when no finding touches it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from ._scrub_docs import DOCUMENTS, HELD_OUT
from ._scrub_plant import PlantedDoc, Span, _Gen

__all__ = ["DOCUMENTS", "HELD_OUT", "PlantedDoc", "Span", "build_corpus", "measure"]


def build_corpus(n_docs: int = 1160, seed: int = 0) -> list[PlantedDoc]:
    """``n_docs`` documents, cycling through every document kind, with a fixed seed."""
    g = _Gen(seed)
    return [DOCUMENTS[i % len(DOCUMENTS)](g) for i in range(n_docs)]


def _covered(span: Span, findings: list[tuple[int, int, str]]) -> bool:
    pos = span.start
    for start, end, _ in findings:
        if start <= pos < end:
            pos = end
            if pos >= span.end:
                return True
    return pos >= span.end


def measure(docs: Sequence[PlantedDoc], *, ips: bool = True, detectors: Sequence[Any] | None = None,
            keep_examples: int = 5) -> dict[str, Any]:
    """Recall and precision of the scrubber (or of ``detectors``) on ``docs``, overall and per kind."""
    from ._scrub import find

    planted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    findings_by_kind: Counter[str] = Counter()
    true_by_kind: Counter[str] = Counter()
    like_total: Counter[str] = Counter()
    like_hit: Counter[str] = Counter()
    missed: dict[str, list[str]] = defaultdict(list)
    false: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        findings = find(doc.text, ips=ips, detectors=detectors)
        for s in doc.secrets:
            if not ips and s.kind in ("IPV4", "IPV6"):
                continue
            planted[s.kind] += 1
            if _covered(s, findings):
                found[s.kind] += 1
            elif len(missed[s.kind]) < keep_examples:
                missed[s.kind].append(f"[{doc.context}] {s.value[:80]}")
        for start, end, kind in findings:
            findings_by_kind[kind] += 1
            if any(s.start < end and start < s.end for s in doc.secrets):
                true_by_kind[kind] += 1
            elif len(false[kind]) < keep_examples:
                context = doc.text[max(0, start - 25) : end + 10].replace("\n", "\\n")
                false[kind].append(f"[{doc.context}] {doc.text[start:end][:60]!r} in ...{context[:110]}...")
        for like in doc.lookalikes:
            like_total[like.kind] += 1
            if any(like.start < end and start < like.end for start, end, _ in findings):
                like_hit[like.kind] += 1
    kinds = sorted(set(planted) | set(findings_by_kind))
    per_kind = {
        k: {
            "planted": planted[k], "found": found[k], "recall": found[k] / planted[k] if planted[k] else None,
            "findings": findings_by_kind[k], "true": true_by_kind[k],
            "precision": true_by_kind[k] / findings_by_kind[k] if findings_by_kind[k] else None,
        }
        for k in kinds
    }
    n_planted, n_findings = sum(planted.values()), sum(findings_by_kind.values())
    return {
        "documents": len(docs),
        "planted": n_planted,
        "lookalikes": sum(like_total.values()),
        "findings": n_findings,
        "recall": sum(found.values()) / n_planted if n_planted else 1.0,
        "precision": sum(true_by_kind.values()) / n_findings if n_findings else 1.0,
        "lookalike_survival": 1 - sum(like_hit.values()) / max(1, sum(like_total.values())),
        "per_kind": per_kind,
        "lookalikes_by_kind": {k: {"n": like_total[k], "hit": like_hit[k]} for k in sorted(like_total)},
        "missed_examples": dict(missed),
        "false_examples": dict(false),
    }
