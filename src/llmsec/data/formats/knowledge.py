"""Security knowledge benchmarks: CyberMetric, SecEval and the five CTIBench TSVs.

CTIBench records keep the benchmark's own ``Prompt`` in ``meta["prompt"]`` and
their 1-based position in the TSV in ``meta["row"]`` (rejected rows count
too), so the evaluation layer can line model outputs (``#####N#####``) up with
the items. What each CTIBench file becomes:

- ``ctibench-mcq``: MultipleChoice (answer ``A``-``D``).
- ``ctibench-rcm``: Example(text=CVE description, label=``CWE-n``, group=CVE id, time=the
  CVE id's year as ``YYYY-01-01``, ``meta["time_source"] = "cve-id-year"``: the sheet has no dates).
- ``ctibench-vsp``: Example(text=CVE description, label=CVSS v3 vector, group=CVE id).
- ``ctibench-ate``: Example(text=description, label=the technique ids sorted and
  joined by ``", "``; ``meta["techniques"]`` lists them).
- ``ctibench-taa``: Document: the file has no ground truth (the task is to name
  the threat actor behind a report), so it is text plus the prompt to ask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from .._records import Document, Example, MultipleChoice
from .._report import LoadReport
from ._jsonstream import load_document
from ._registry import FormatError, register_format
from ._rows import build_each, dict_rows

_LETTERS = "ABCDEFGHIJ"
_CWE = re.compile(r"^CWE-\d+$")
_CVSS3 = re.compile(r"^CVSS:3\.[01](/[A-Z]{1,2}:[A-Z])+$")
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
_CVE = re.compile(r"CVE-\d{4}-\d{4,}")
_OPTIONS = ("Option A", "Option B", "Option C", "Option D")
R = TypeVar("R")


def _nonempty(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"empty {what}")
    return value.strip()


def _cybermetric_item(n: int, item: Any) -> MultipleChoice:
    if not isinstance(item, dict):
        raise ValueError("question is not an object")
    answers = item.get("answers")
    if not isinstance(answers, dict) or len(answers) < 2:
        raise ValueError("'answers' must map at least two letters to options")
    letters = sorted(answers)
    if letters != list(_LETTERS[: len(letters)]):
        raise ValueError(f"answer letters {letters} are not A, B, ...")
    choices = tuple(_nonempty(answers[k], f"option {k}") for k in letters)
    solution = str(item.get("solution") or "").strip().upper()
    if solution not in letters:
        raise ValueError(f"unknown label {item.get('solution')!r}")
    return MultipleChoice(_nonempty(item.get("question"), "question"), choices, solution, {"index": n})


@register_format("cybermetric", record=MultipleChoice, description="CyberMetric MCQ JSON ({questions: [...]})")
def load_cybermetric(path: Path, report: LoadReport) -> Iterator[MultipleChoice]:
    """CyberMetric questions (``{question, answers: {A..D}, solution}``).

    ``line`` in a rejection is the question's 1-based position.

    Raises:
        FormatError: the file is not JSON or has no ``questions`` list.
    """
    doc = load_document(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("questions"), list):
        raise FormatError(f"{path}: not CyberMetric JSON (expected {{'questions': [...]}})")
    yield from build_each(path, report, enumerate(doc["questions"], start=1), _cybermetric_item)


def _seceval_item(n: int, item: Any) -> MultipleChoice:
    if not isinstance(item, dict):
        raise ValueError("question is not an object")
    raw = item.get("choices")
    if not isinstance(raw, list) or len(raw) < 2:
        raise ValueError("'choices' must list at least two options")
    choices = tuple(
        re.sub(rf"^{_LETTERS[i]}\s*[:.)]\s*", "", _nonempty(c, f"choice {i + 1}")) for i, c in enumerate(raw)
    )
    answer = "".join(sorted(set(str(item.get("answer") or "").upper().replace(",", "").replace(" ", ""))))
    if not answer:
        raise ValueError("empty answer")
    if any(a not in _LETTERS[: len(choices)] for a in answer):
        raise ValueError(f"unknown label {item.get('answer')!r}")
    meta = {"index": n, "id": item.get("id"), "source": item.get("source"),
            "topics": list(item.get("topics") or []), "keyword": item.get("keyword")}
    return MultipleChoice(_nonempty(item.get("question"), "question"), choices, answer, meta)


@register_format("seceval", record=MultipleChoice, description="SecEval questions JSON (may have several answers)")
def load_seceval(path: Path, report: LoadReport) -> Iterator[MultipleChoice]:
    """SecEval questions (``id, source, question, choices ["A: ..."], answer, topics, keyword``).

    ``answer`` may name several letters (``"AC"``): all must be right. ``line``
    in a rejection is the question's 1-based position.

    Raises:
        FormatError: the file is not a JSON list.
    """
    doc = load_document(path)
    if not isinstance(doc, list):
        raise FormatError(f"{path}: not SecEval JSON (expected a list of questions)")
    yield from build_each(path, report, enumerate(doc, start=1), _seceval_item, errors=(ValueError, TypeError))


def _ctibench(
    path: Path,
    report: LoadReport,
    required: tuple[str, ...],
    name: str,
    build: Callable[[dict[str, str], dict[str, Any]], R],
) -> Iterator[R]:
    """``build(row, meta)`` for each well-formed row of a CTIBench TSV, fields stripped;
    ``meta`` holds the 1-based row (rejected rows count too), the URL and the prompt."""
    base = report.read

    def build_row(_: int, raw: dict[str, str]) -> R:
        row = {k: (v or "").strip() for k, v in raw.items()}
        meta = {"row": report.read - base + 1, "url": row.get("URL") or None, "prompt": row.get("Prompt", "")}
        return build(row, meta)

    rows = dict_rows(path, report, required=required, delimiter="\t", fmt=f"CTIBench {name}")
    yield from build_each(path, report, rows, build_row)


def _mcq_item(row: dict[str, str], meta: dict[str, Any]) -> MultipleChoice:
    answer = row["GT"].upper()
    if answer not in ("A", "B", "C", "D"):
        raise ValueError(f"unknown label {row['GT']!r}")
    choices = tuple(row[o] for o in _OPTIONS)
    if sum(1 for c in choices if c) < 2:
        raise ValueError("fewer than two non-empty options")
    meta = {**meta, "empty_options": [o[-1] for o in _OPTIONS if not row[o]]}
    return MultipleChoice(_nonempty(row["Question"], "question"), choices, answer, meta)


@register_format("ctibench-mcq", record=MultipleChoice, description="CTIBench CTI-MCQ TSV")
def load_ctibench_mcq(path: Path, report: LoadReport) -> Iterator[MultipleChoice]:
    """CTI-MCQ: ``URL, Question, Option A-D, Prompt, GT`` (GT letters are upper-cased).

    A few real items leave an option empty (the benchmark's prompt shows it as
    ``nan``); they are kept as they are, with ``meta["empty_options"]`` naming
    the letters, so every benchmark item stays scorable.
    """
    yield from _ctibench(path, report, ("Question", *_OPTIONS, "GT"), "MCQ", _mcq_item)


def _cve_examples(path: Path, report: LoadReport, name: str, label_ok: re.Pattern[str]) -> Iterator[Example]:
    def build(row: dict[str, str], meta: dict[str, Any]) -> Example:
        text = _nonempty(row["Description"], "description")
        if not label_ok.match(row["GT"]):
            raise ValueError(f"unknown label {row['GT']!r}")
        cve = _CVE.search(row.get("URL", ""))
        # No publish date in the sheet: the CVE id's year is when it became known, at the earliest.
        year = f"{cve.group(0).split('-')[1]}-01-01" if cve else None
        return Example(text, row["GT"], group=cve.group(0) if cve else None, time=year,
                       meta={**meta, "time_source": "cve-id-year"} if year else meta)

    yield from _ctibench(path, report, ("Description", "GT"), name, build)


@register_format("ctibench-rcm", record=Example, description="CTIBench CTI-RCM TSV (CVE description -> CWE)")
def load_ctibench_rcm(path: Path, report: LoadReport) -> Iterator[Example]:
    """CTI-RCM: ``URL, Description, Prompt, GT`` with GT a ``CWE-n`` id."""
    yield from _cve_examples(path, report, "RCM", _CWE)


@register_format("ctibench-vsp", record=Example, description="CTIBench CTI-VSP TSV (CVE description -> CVSS v3 vector)")
def load_ctibench_vsp(path: Path, report: LoadReport) -> Iterator[Example]:
    """CTI-VSP: ``URL, Description, Prompt, GT`` with GT a CVSS v3.x vector."""
    yield from _cve_examples(path, report, "VSP", _CVSS3)


def _ate_example(row: dict[str, str], meta: dict[str, Any]) -> Example:
    text = _nonempty(row["Description"], "description")
    ids = sorted({t.strip() for t in row["GT"].split(",") if t.strip()})
    if not ids or not all(_TECHNIQUE.match(t) for t in ids):
        raise ValueError(f"unknown label {row['GT']!r}")
    meta = {**meta, "platform": row.get("Platform") or None, "techniques": ids}
    return Example(text, ", ".join(ids), group=row.get("URL") or None, meta=meta)


@register_format("ctibench-ate", record=Example, description="CTIBench CTI-ATE TSV (threat report -> ATT&CK ids)")
def load_ctibench_ate(path: Path, report: LoadReport) -> Iterator[Example]:
    """CTI-ATE: ``URL, Platform, Description, Prompt, GT`` with GT comma-separated technique ids."""
    yield from _ctibench(path, report, ("Description", "GT"), "ATE", _ate_example)


@register_format("ctibench-taa", record=Document, description="CTIBench CTI-TAA TSV (threat reports, no ground truth)")
def load_ctibench_taa(path: Path, report: LoadReport) -> Iterator[Document]:
    """CTI-TAA: ``URL, Text, Prompt``; no ground truth, so each row is a Document."""
    yield from _ctibench(path, report, ("Text", "Prompt"), "TAA",
                         lambda row, meta: Document(_nonempty(row["Text"], "text"), source=str(path), meta=meta))
