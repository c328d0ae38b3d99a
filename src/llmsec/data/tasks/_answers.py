"""How a task scored on generated text reads and scores an answer: :class:`Answers`.

A task whose :attr:`~llmsec.data.tasks.Task.answers` is set can be evaluated by
generation: the model answers the task's prompt greedily, :attr:`Answers.extract`
pulls the answer out of its free text, :attr:`Answers.truth` normalises the
reference, and :attr:`Answers.score` gives the item's value for each per-item
metric (the metric registry, :mod:`llmsec.eval`, averages them). The four built-in
answer kinds follow CTIBench's scoring (CTI-MCQ, CTI-RCM, CTI-VSP, CTI-ATE).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .._records import MultipleChoice, Record
from ._extract import extract_choice, extract_cvss_vector, extract_cwe, extract_technique_ids

__all__ = [
    "CVSS_ANSWERS",
    "CWE_ANSWERS",
    "LETTERS",
    "MCQ_ANSWERS",
    "TECHNIQUE_ANSWERS",
    "Answers",
    "cvss_base_score",
    "exact_match",
    "set_prf",
]

LETTERS = "ABCDEFGHIJ"
ItemScores = dict[str, float | None]


@dataclass(frozen=True)
class Answers:
    """How a generated answer is extracted and scored.

    Attributes:
        what: what an answer is (``CWE id``), for the reason an item is unparsed.
        expected: what a valid reference looks like (``a CWE id such as CWE-79``), for errors.
        extract: ``(model text, record) -> normalised answer`` or ``None`` when the text holds none.
        truth: ``reference -> normalised reference`` (a record's label, a question's answer letters),
            or ``None`` when it is outside the task's answer set.
        score: ``(normalised answer or None, normalised reference) -> {metric name: item value}``;
            a value of ``None`` leaves the item out of that metric's mean (an unscorable CVSS vector).
        score_batch: instead of ``score``, when scoring needs the records or runs once over every
            answer (a static analyser over generated code): ``(records, answers) -> [item scores]``,
            one dict per record, in order.
    """

    what: str
    expected: str
    extract: Callable[[str, Record | None], str | None]
    truth: Callable[[str], str | None] = lambda value: value
    score: Callable[[str | None, str], ItemScores] | None = None
    score_batch: Callable[[Sequence[Record], Sequence[str | None]], list[ItemScores]] | None = None

    def __post_init__(self) -> None:
        if (self.score is None) == (self.score_batch is None):
            raise ValueError("Answers needs exactly one of score= (per item) or score_batch= (all items at once)")


def exact_match(pred: str | None, truth: str) -> ItemScores:
    """``accuracy`` 1.0 when the answer is the reference, else 0.0 (no answer: 0.0)."""
    return {"accuracy": 1.0 if pred is not None and pred == truth else 0.0}


def set_prf(pred: set[str], truth: set[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of a predicted set against the true set (0 when either is empty)."""
    tp = len(pred & truth)
    precision = tp / len(pred) if pred else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def cvss_base_score(vector: str) -> float | None:
    """The CVSS v3.x base score of ``vector`` (``cvss.CVSS3``), or ``None`` when it is not valid.

    The vector needs its ``CVSS:3.0/`` or ``CVSS:3.1/`` prefix.
    """
    from cvss import CVSS3
    from cvss.exceptions import CVSSError

    try:
        return float(CVSS3(vector).scores()[0])
    except CVSSError:
        return None


# --- multiple choice -------------------------------------------------------------


def _extract_letter(text: str, record: Record | None) -> str | None:
    n = len(record.choices) if isinstance(record, MultipleChoice) else 4
    return extract_choice(text, LETTERS[:n])


def _letters(value: str) -> str | None:
    value = value.strip().upper()
    return value if re.fullmatch(f"[{LETTERS}]+", value) else None


MCQ_ANSWERS = Answers(what="choice letter", expected="the letter(s) of the correct choice(s)",
                      extract=_extract_letter, truth=_letters, score=exact_match)


# --- CVE -> CWE ------------------------------------------------------------------


def _cwe(value: str) -> str | None:
    m = re.fullmatch(r"CWE-(\d+)", value.strip(), re.IGNORECASE)
    return f"CWE-{int(m.group(1))}" if m else None


CWE_ANSWERS = Answers(what="CWE id", expected="a CWE id such as CWE-79",
                      extract=lambda text, _: extract_cwe(text), truth=_cwe, score=exact_match)


# --- CVSS v3 vector --------------------------------------------------------------


def _vector(value: str) -> str | None:
    value = value.strip().upper()
    return value if cvss_base_score(value) is not None else None


def _cvss_parts(vector: str) -> dict[str, str]:
    return dict(part.split(":", 1) for part in vector.split("/")[1:] if ":" in part)


def cvss_item_scores(pred: str | None, truth: str) -> ItemScores:
    """``mad`` (absolute base-score deviation; ``None`` without a scorable vector, left out of the mean as in
    CTIBench), ``vector_exact_match`` (all eight base metrics right) and ``metric_accuracy`` (the share of
    the eight that are right)."""
    if pred is None:
        return {"mad": None, "vector_exact_match": 0.0, "metric_accuracy": 0.0}
    pred_score, true_score = cvss_base_score(pred), cvss_base_score(truth)
    mine, theirs = _cvss_parts(pred), _cvss_parts(truth)
    right = sum(mine.get(k) == v for k, v in theirs.items())
    return {"mad": abs(pred_score - true_score) if pred_score is not None and true_score is not None else None,
            "vector_exact_match": 1.0 if pred_score is not None and mine == theirs else 0.0,
            "metric_accuracy": right / len(theirs) if theirs else 0.0}


CVSS_ANSWERS = Answers(
    what="valid CVSS v3 vector", expected="a CVSS v3 vector such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    extract=lambda text, _: extract_cvss_vector(text), truth=_vector, score=cvss_item_scores,
)


# --- ATT&CK technique ids --------------------------------------------------------

_TECHNIQUE_LIST = re.compile(r"T\d{4}(?:\.\d{3})?(?:\s*,\s*T\d{4}(?:\.\d{3})?)*")


def _techniques(value: str) -> str | None:
    value = value.strip().upper()
    if not _TECHNIQUE_LIST.fullmatch(value):
        return None
    return ", ".join(extract_technique_ids(value, final_only=False))


def _extract_techniques(text: str, _: Record | None) -> str | None:
    ids = extract_technique_ids(text)
    return ", ".join(ids) if ids else None


def technique_item_scores(pred: str | None, truth: str) -> ItemScores:
    """Set precision, recall and F1 of the predicted main-technique ids, and ``accuracy`` (the same set)."""
    predicted = set(pred.split(", ")) if pred else set()
    true = set(truth.split(", "))
    p, r, f = set_prf(predicted, true)
    return {"accuracy": 1.0 if predicted == true else 0.0, "technique_f1": f, "technique_precision": p,
            "technique_recall": r}


TECHNIQUE_ANSWERS = Answers(
    what="ATT&CK technique id", expected="comma-separated ATT&CK technique ids such as T1071, T1059",
    extract=_extract_techniques, truth=_techniques, score=technique_item_scores,
)
