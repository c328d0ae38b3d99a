"""Score another model's raw CTIBench answers, as CTIBench scores them.

CTIBench (Alam et al., NeurIPS 2024; xashru/cti-bench) ships its data as TSV
files (``cti-{mcq,rcm,vsp,ate}.tsv``, the answer in a ``GT`` column) and its
models' raw answers as logs: one block per TSV row, introduced by a line
``#####N#####`` with N counting from 1 in row order (the layout written by
``run_evaluation`` in ``evaluation/model-prediction.ipynb``). This module
reads both, pulls the answer out of each block with :mod:`._extract`, and
scores it the way ``evaluation/evaluation.ipynb`` does:

- ``mcq`` (CTI-MCQ) and ``rcm`` (CTI-RCM, CVE -> CWE): accuracy in percent.
  Unlike the notebook, which leaves unparseable answers out of the
  denominator, they count as wrong here (the notebook's figure is reported as
  ``details["accuracy_parsed"]``).
- ``vsp`` (CTI-VSP): mean absolute deviation between the CVSS v3 base scores of
  the predicted and the true vector (``cvss.CVSS3(...).scores()[0]``). As in the
  notebook, an answer without a valid vector has no deviation and is left out
  of the mean (a deviation cannot be charged for it); it is listed as unparsed.
- ``ate`` (CTI-ATE): the mean over items of the F1 between the predicted and the
  true sets of main-technique ids (sub-techniques fold into their parent, as
  the prompt asks). CTIBench publishes no scoring code for this task; an item
  without ids scores 0.

A block that is missing counts like an unparseable answer.
"""

from __future__ import annotations

import csv
import logging
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..data.tasks import Task, get_task
from ..data.tasks._answers import cvss_base_score, set_prf

__all__ = [
    "CTIBENCH_TASKS",
    "CtiBenchItem",
    "CtiBenchScore",
    "cvss_base_score",
    "cvss_mad",
    "read_ctibench_outputs",
    "score_ctibench",
    "technique_set_f1",
]

logger = logging.getLogger(__name__)

CTIBENCH_TASKS = ("rcm", "mcq", "vsp", "ate")
_METRIC = {"rcm": "accuracy", "mcq": "accuracy", "vsp": "mad", "ate": "f1"}
_WHAT = {
    "rcm": "CWE id",
    "mcq": "option letter (A-D)",
    "vsp": "valid CVSS v3 vector",
    "ate": "ATT&CK technique id",
}
_BLOCK = re.compile(r"^#####\s*(\d+)\s*#####[ \t]*\r?$", re.MULTILINE)


@dataclass(frozen=True)
class CtiBenchItem:
    """One scored item.

    Attributes:
        item: Item number, counting from 1 in the TSV's row order.
        truth: The normalised ground truth.
        prediction: The normalised extracted answer, or ``None`` when unparsed.
        value: 1.0/0.0 (correct or not) for mcq/rcm, the absolute deviation for vsp
            (``None`` when unparsed), the item's F1 for ate.
        reason: Why the item is unparsed (``None`` when parsed).
    """

    item: int
    truth: str
    prediction: str | None
    value: float | None
    reason: str | None = None


@dataclass
class CtiBenchScore:
    """The result of scoring one CTIBench log.

    Attributes:
        task: ``rcm``, ``mcq``, ``vsp`` or ``ate``.
        metric: ``accuracy`` (percent), ``mad`` (CVSS points, lower is better) or ``f1`` (0-1).
        score: The task's score.
        n: Number of items in the data.
        n_unparsed: Items without a usable answer (missing block or nothing extracted).
        unparsed: Their item numbers, ascending.
        predictions: One :class:`CtiBenchItem` per item, in item order.
        outputs: The log file scored.
        data: The TSV file with the ground truth.
        details: Secondary figures (see the module docstring).
    """

    task: str
    metric: str
    score: float
    n: int
    n_unparsed: int
    unparsed: list[int]
    predictions: list[CtiBenchItem]
    outputs: str
    data: str
    details: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return asdict(self)


# --- reading -------------------------------------------------------------------


def read_ctibench_outputs(path: str | Path) -> dict[int, str]:
    """Read a CTIBench answer log into ``{item number: raw answer}``.

    Raises:
        FileNotFoundError: When the file is missing.
        ValueError: When it is empty, has no ``#####N#####`` markers, or repeats one.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"outputs file not found: {path}")
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise ValueError(f"outputs file {path} is empty: expected blocks introduced by '#####N#####' lines")
    markers = list(_BLOCK.finditer(text))
    if not markers:
        raise ValueError(
            f"outputs file {path} has no '#####N#####' block markers: it is not a CTIBench answer log "
            "(one block per item, each introduced by a line #####1#####, #####2#####, ...)"
        )
    if text[: markers[0].start()].strip():
        logger.warning("%s: ignoring text before the first block marker", path)
    blocks: dict[int, str] = {}
    for i, m in enumerate(markers):
        number = int(m.group(1))
        if number in blocks:
            raise ValueError(f"outputs file {path} has block #####{number}##### twice; each item needs one block")
        end = markers[i + 1].start() if i + 1 < len(markers) else len(text)
        blocks[number] = text[m.end() : end].strip()
    return blocks


def _read_truth(path: Path, task: str) -> list[str]:
    """The normalised ``GT`` column of a CTIBench TSV, validated against the task's label set."""
    if not path.is_file():
        raise FileNotFoundError(f"CTIBench data file not found: {path}")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t")
        if reader.fieldnames is None or "GT" not in reader.fieldnames:
            raise ValueError(
                f"{path} has no 'GT' column (columns: {reader.fieldnames}); "
                f"pass the CTIBench cti-{task}.tsv with its ground truth"
            )
        raw = [(row.get("GT") or "").strip() for row in reader]
    if not raw:
        raise ValueError(f"{path} has no items (a header only)")
    truths: list[str] = []
    bad: list[str] = []
    for item, value in enumerate(raw, start=1):
        norm = _normalise_truth(task, value)
        if norm is None:
            bad.append(f"item {item}: {value!r}")
        truths.append(norm or "")
    if bad:
        expected = {
            "mcq": "one of A, B, C, D",
            "rcm": "a CWE id such as CWE-79",
            "vsp": "a CVSS v3 vector such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "ate": "comma-separated ATT&CK technique ids such as T1071, T1059",
        }[task]
        raise ValueError(
            f"{path}: {len(bad)} GT value(s) outside the {task} label set ({', '.join(bad[:5])}"
            f"{', ...' if len(bad) > 5 else ''}); expected {expected}. Is this the cti-{task}.tsv file?"
        )
    return truths


def _task(task: str) -> Task:
    """The registered task a CTIBench sub-task is an alias of (``rcm`` -> ``cve-to-cwe``, ...)."""
    return get_task(task)


def _normalise_truth(task: str, value: str) -> str | None:
    if task == "mcq":  # CTI-MCQ questions have four choices
        return value.upper() if value.upper() in {"A", "B", "C", "D"} else None
    return _task(task).answers.truth(value)  # type: ignore[union-attr]


def cvss_mad(predicted: list[str | None], truth: list[str]) -> float:
    """Mean absolute deviation between predicted and true CVSS v3 base scores (CTI-VSP's metric).

    As in CTIBench's ``compute_vsp_mad``, a prediction that is ``None`` or not a
    valid vector is left out of the mean.

    Raises:
        ValueError: On mismatched lengths, an invalid true vector, or no valid prediction at all.
    """
    if len(predicted) != len(truth):
        raise ValueError(f"length mismatch: predicted={len(predicted)}, truth={len(truth)}")
    deviations = []
    for i, (p, t) in enumerate(zip(predicted, truth, strict=True)):
        true_score = cvss_base_score(t)
        if true_score is None:
            raise ValueError(f"truth[{i}] is not a valid CVSS v3 vector: {t!r}")
        pred_score = cvss_base_score(p) if p else None
        if pred_score is not None:
            deviations.append(abs(pred_score - true_score))
    if not deviations:
        raise ValueError("no prediction is a valid CVSS v3 vector: the mean absolute deviation is undefined")
    return math.fsum(deviations) / len(deviations)


def technique_set_f1(predicted: set[str], truth: set[str]) -> float:
    """F1 between a predicted and a true set of ATT&CK technique ids (0 when either is empty)."""
    return set_prf(predicted, truth)[2]


# --- scoring -------------------------------------------------------------------


def _score_item(task: str, item: int, truth: str, answer: str | None) -> CtiBenchItem:
    """One item, extracted and scored by the task's own answers (the ones ``evaluate`` scores with)."""
    unscored = None if task == "vsp" else 0.0  # no CVSS deviation can be charged for a missing answer
    if answer is None:
        return CtiBenchItem(item, truth, None, unscored, "missing block")
    scorer = _task(task)
    pred = scorer.answers.extract(answer, None)  # type: ignore[union-attr]
    if pred is None:
        return CtiBenchItem(item, truth, None, unscored, f"no {_WHAT[task]} found")
    value = scorer.answers.score(pred, truth)[scorer.main_metric]  # type: ignore[misc, union-attr]
    if value is None:
        return CtiBenchItem(item, truth, pred, None, "vector has no CVSS v3 base score")
    return CtiBenchItem(item, truth, pred, value)


def score_ctibench(task: str, outputs_path: str | Path, data_path: str | Path) -> CtiBenchScore:
    """Score a model's raw CTIBench answers against the benchmark's ground truth.

    Args:
        task: ``rcm``, ``mcq``, ``vsp`` or ``ate``.
        outputs_path: The answer log (blocks introduced by ``#####N#####``).
        data_path: The matching ``cti-<task>.tsv``.

    Returns:
        The :class:`CtiBenchScore`.

    Raises:
        FileNotFoundError: When a file is missing.
        ValueError: For an unknown task, an empty log, ground truth outside the task's
            label set, or a log that does not fit the data (a block numbered past the last
            item, or answers for fewer than half of the items), or (vsp) no valid vector at all.
    """
    task = task.lower().strip()
    if task not in CTIBENCH_TASKS:
        raise ValueError(f"unknown CTIBench task {task!r}; choose one of {', '.join(CTIBENCH_TASKS)}")
    outputs, data = Path(outputs_path), Path(data_path)
    truths = _read_truth(data, task)
    blocks = read_ctibench_outputs(outputs)
    n = len(truths)
    beyond = sorted(k for k in blocks if not 1 <= k <= n)
    if beyond:
        raise ValueError(
            f"prediction and label counts do not match: {outputs} has block #####{beyond[-1]}##### "
            f"but {data} has only {n} items; pass the data file these answers belong to"
        )
    missing = [k for k in range(1, n + 1) if k not in blocks]
    if len(missing) * 2 > n:
        raise ValueError(
            f"prediction and label counts do not match: {outputs} has answers for {len(blocks)} of the "
            f"{n} items in {data}; pass the data file these answers belong to"
        )
    if missing:
        logger.warning("%s: %d of %d items have no answer block (counted as unparsed): %s",
                       outputs, len(missing), n, missing[:10])

    items = [_score_item(task, k, truths[k - 1], blocks.get(k)) for k in range(1, n + 1)]
    unparsed = [it.item for it in items if it.reason is not None]
    parsed = [it for it in items if it.reason is None]
    details: dict[str, float] = {"n_parsed": len(parsed)}
    if task == "vsp":
        if not parsed:
            raise ValueError(
                f"no answer in {outputs} holds a valid CVSS v3 vector, so the mean absolute deviation is "
                "undefined; is this the CTI-VSP log?"
            )
        score = math.fsum(it.value or 0.0 for it in parsed) / len(parsed)
    else:
        score = math.fsum(it.value or 0.0 for it in items) / n
        if task != "ate":
            score *= 100
            details["accuracy_parsed"] = (
                100 * math.fsum(it.value or 0.0 for it in parsed) / len(parsed) if parsed else 0.0
            )
        else:
            details.update(_ate_details(items))
    if len(unparsed) == n:
        logger.warning("%s: none of the %d answers holds a %s", outputs, n, _WHAT[task])
    return CtiBenchScore(
        task=task,
        metric=_METRIC[task],
        score=score,
        n=n,
        n_unparsed=len(unparsed),
        unparsed=unparsed,
        predictions=items,
        outputs=str(outputs),
        data=str(data),
        details=details,
    )


def _ate_details(items: list[CtiBenchItem]) -> dict[str, float]:
    """Macro precision / recall over items, and micro F1 over all (item, technique) pairs."""
    precisions, recalls = [], []
    tp = n_pred = n_true = 0
    for it in items:
        pred = set(it.prediction.split(", ")) if it.prediction else set()
        truth = set(it.truth.split(", "))
        p, r, _ = set_prf(pred, truth)
        precisions.append(p)
        recalls.append(r)
        tp, n_pred, n_true = tp + len(pred & truth), n_pred + len(pred), n_true + len(truth)
    micro_p = tp / n_pred if n_pred else 0.0
    micro_r = tp / n_true if n_true else 0.0
    return {
        "precision": math.fsum(precisions) / len(items),
        "recall": math.fsum(recalls) / len(items),
        "f1_micro": 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0,
    }
