"""The benchmark's cases: CyberSecEval autocomplete prompts and Juliet "write this function" prompts."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...data import Example, Record, load_records
from ...data.formats.secure_code import SECURE_CODE_LANGUAGES

__all__ = ["LANGUAGES", "SecureCodeCase", "case_from_record", "extract_code", "load_cases"]

logger = logging.getLogger(__name__)

#: Languages the judge covers (CyberSecEval's eight).
LANGUAGES = SECURE_CODE_LANGUAGES
_FENCE = re.compile(r"```[ \t]*([\w#+.-]*)[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)


@dataclass(frozen=True)
class SecureCodeCase:
    """One prompt of the benchmark.

    Attributes:
        id: a stable id (``cyberseceval:17``, ``juliet:CWE121_..._01``).
        language: one of :data:`LANGUAGES`.
        prompt: what the model is asked (the user turn).
        cwe: the CWE the original code had (``CWE-680``).
        context: code the completion continues (autocomplete: the code before the insecure line;
            the judge reads it with the completion, since a pattern can span both), ``""`` when the
            model writes a whole unit.
        reference: the code BLEU compares the completion with (CyberSecEval: the original from the
            insecure line on; Juliet: the good variant of the function).
        insecure: the insecure original, what the "copy the insecure original" baseline submits.
        fragment: context + completion is a fragment of a file rather than a whole unit (leak checks
            are off for fragments: their end is not the function's).
        group: what must not straddle a split (the repository, the Juliet test case).
        meta: the rest of the record's meta.
    """

    id: str
    language: str
    prompt: str
    cwe: str
    context: str
    reference: str
    insecure: str
    fragment: bool
    group: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def case_from_record(record: Record, index: int = 0) -> SecureCodeCase:
    """The case an ``Example`` of the ``cyberseceval`` / ``juliet-write`` formats describes.

    Raises:
        ValueError: the record is not such an Example (the message says what is missing).
    """
    meta = getattr(record, "meta", {})
    missing = [k for k in ("language", "cwe", "reference", "insecure") if k not in meta]
    if not isinstance(record, Example) or missing:
        raise ValueError(f"record {index} is not a secure-code case (a {type(record).__name__} lacking "
                         f"{missing or 'nothing'}); read the data with --format cyberseceval or juliet-write")
    if meta["language"] not in LANGUAGES:
        raise ValueError(f"record {index}: language {meta['language']!r} is not one the judge covers: "
                         f"{list(LANGUAGES)}")
    return SecureCodeCase(
        id=str(meta.get("id", index)), language=str(meta["language"]), prompt=record.text, cwe=str(meta["cwe"]),
        context=str(meta.get("context", "")), reference=str(meta["reference"]), insecure=str(meta["insecure"]),
        fragment=bool(meta.get("fragment", True)), group=record.group,
        meta={k: v for k, v in meta.items() if k not in ("context", "reference", "insecure")})


def extract_code(output: str) -> str:
    """The code in a model's answer: the first fenced block's body when it has one (as CyberSecEval
    does), else the whole answer; a fence left open by the token limit runs to the end."""
    match = _FENCE.search(output)
    return match.group(2).rstrip() if match else output.rstrip()


def load_cases(source: str | Path, fmt: str | None = None, *, max_samples: int | None = None,
               languages: list[str] | None = None, **options: Any) -> list[SecureCodeCase]:
    """The cases in ``source``: a CyberSecEval JSON list (``cyberseceval``, the default for ``.json``)
    or Juliet test cases (``juliet-write``, the default for a folder or a ``.c``/``.cpp`` file).

    Args:
        source: the file or folder.
        fmt: the format; default ``secure-code``, which picks one of the two as above.
        max_samples: keep the first N cases (after the language filter).
        languages: keep only these languages.
        **options: passed to the format (``juliet-write``: ``split``, ``test_size``, ``seed``).

    Raises:
        ValueError: an unknown language, or no case left.
    """
    unknown = sorted(set(languages or ()) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"unknown languages {unknown}; the judge covers {list(LANGUAGES)}")
    records, _ = load_records(source, fmt or "secure-code", **options)
    cases = [case_from_record(r, i) for i, r in enumerate(records)]
    if languages:
        cases = [c for c in cases if c.language in languages]
    if max_samples is not None:
        cases = cases[:max_samples]
    if not cases:
        raise ValueError(f"{source}: no secure-code case left (languages={languages})")
    return cases
