"""Detection metrics: the usual classification scores, PrimeVul's VD-S and pair-wise scores.

Everything is computed with scikit-learn by the metric registry's functions
(:mod:`llmsec.data.tasks`' metric registry, the ones ``evaluate`` and ``compare`` use); this
module validates inputs, maps labels to classes and names the results.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from ..data.tasks import VD_MAX_FPR, VDPoint, vd_point

__all__ = ["VDPoint", "detection_metrics", "paired_metrics", "vd_operating_point", "vd_score"]

logger = logging.getLogger(__name__)


def _as_list(values: Any, name: str) -> list[Any]:
    if values is None:
        raise ValueError(f"{name} is missing")
    out = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if not out:
        raise ValueError(f"{name} is empty: nothing to score; pass at least one item")
    return out


def _check_lengths(**named: Sequence[Any]) -> None:
    lengths = {name: len(v) for name, v in named.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise ValueError(f"length mismatch: {shown}; pass one value per item in each")


def _check_allowed(values: Sequence[Any], allowed: Sequence[Any], name: str) -> None:
    allowed_set = set(allowed)
    bad = _sorted({v for v in values if v not in allowed_set})
    if bad:
        raise ValueError(
            f"{name} holds labels outside the allowed set {_sorted(allowed_set)}: "
            f"{bad[:10]}{' ...' if len(bad) > 10 else ''}; fix the labels or pass labels=[...]"
        )


# --- VD-S --------------------------------------------------------------------


def vd_operating_point(
    y_true: Sequence[int] | np.ndarray, y_score: Sequence[float] | np.ndarray, *, max_fpr: float = VD_MAX_FPR
) -> VDPoint:
    """PrimeVul's VD-S operating point: FNR at the largest threshold with FPR <= ``max_fpr``.

    Follows ``calculate_vul_det_score`` in DLVulDet/PrimeVul ``calc_vd_score.py``
    (Ding et al. 2024, arXiv:2403.18624): ``sklearn.metrics.roc_curve`` with its
    defaults (so ``drop_intermediate=True``, as there), the last ROC point whose
    FPR is <= the budget, its threshold, then FNR = FN / (FN + TP) and FPR
    recomputed from ``score >= threshold`` over the whole set.

    Args:
        y_true: 1 for vulnerable (positive), 0 for benign.
        y_score: Score or probability of the positive class.
        max_fpr: The false-positive-rate budget (PrimeVul: 0.005).

    Returns:
        The :class:`VDPoint`.

    Raises:
        ValueError: On empty or mismatched inputs, labels other than 0/1, or only one class.
    """
    truth = _as_list(y_true, "y_true")
    scores = _as_list(y_score, "y_score")
    _check_lengths(y_true=truth, y_score=scores)
    _check_allowed(truth, (0, 1), "y_true")
    t = np.asarray(truth, dtype=int)
    s = np.asarray(scores, dtype=float)
    if not np.isfinite(s).all():
        raise ValueError("y_score holds NaN or infinite values; VD-S needs finite scores")
    if t.min() == t.max():
        raise ValueError(
            f"VD-S needs both classes in y_true, got only {int(t[0])}; score a set with vulnerable and benign items"
        )
    return vd_point(t, s, max_fpr)


def vd_score(
    y_true: Sequence[int] | np.ndarray, y_score: Sequence[float] | np.ndarray, *, max_fpr: float = VD_MAX_FPR
) -> float:
    """PrimeVul's VD-S: the false-negative rate at FPR <= 0.5% (lower is better).

    See :func:`vd_operating_point` for the definition followed.
    """
    return vd_operating_point(y_true, y_score, max_fpr=max_fpr).fnr


# --- detection ---------------------------------------------------------------


def _sorted(values: set[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


def _default_labels(values: Sequence[Any]) -> list[Any]:
    present = set(values)
    return [0, 1] if present <= {0, 1} else _sorted(present)


def detection_metrics(
    y_true: Sequence[Any] | np.ndarray,
    y_pred: Sequence[Any] | np.ndarray | None = None,
    *,
    y_score: Sequence[float] | Sequence[Sequence[float]] | np.ndarray | None = None,
    positive: Hashable = 1,
    labels: Sequence[Any] | None = None,
    threshold: float = 0.5,
) -> dict[str, float]:
    """Classification scores for a detection task, binary or multi-class.

    Give predicted labels, scores, or both. Binary scores are the positive
    class's score (``y_pred = score >= threshold`` when no labels are given);
    multi-class scores are an ``(n, n_labels)`` matrix in ``labels`` order
    (``y_pred`` = arg-max).

    Returned keys: ``accuracy``, ``precision``, ``recall``, ``f1`` (of the
    ``positive`` class when binary, macro averages when multi-class),
    ``f1_macro``, ``mcc``, ``fpr`` (binary: FP / (FP + TN); multi-class: the
    macro mean of one-vs-rest FPRs), ``n``; with scores also ``roc_auc``,
    ``pr_auc`` (average precision; one-vs-rest macro when multi-class) and, for
    binary, ``vd_s`` (:func:`vd_score`). A score-based metric that is undefined
    because ``y_true`` holds one class only is ``nan``.

    Args:
        y_true: True labels.
        y_pred: Predicted labels.
        y_score: Scores (see above).
        positive: The positive label of a binary task.
        labels: Every allowed label (default: ``[0, 1]`` for 0/1 data, else those seen).
        threshold: Binary decision threshold used when only scores are given.

    Returns:
        Metric name -> value.

    Raises:
        ValueError: On empty or mismatched inputs, or labels outside ``labels``.
    """
    from ._metric_registry import compute_metrics

    truth = _as_list(y_true, "y_true")
    if y_pred is None and y_score is None:
        raise ValueError("pass y_pred (predicted labels), y_score (scores) or both")
    preds = _as_list(y_pred, "y_pred") if y_pred is not None else None
    scores = np.asarray(_as_list(y_score, "y_score"), dtype=float) if y_score is not None else None
    _check_lengths(
        y_true=truth, **({"y_pred": preds} if preds is not None else {}),
        **({"y_score": scores} if scores is not None else {}),
    )
    allowed = list(labels) if labels is not None else _default_labels(truth + (preds or []))
    if len(set(allowed)) < 2:
        raise ValueError(f"need at least two labels, got {allowed}; pass labels=[...] with every class")
    _check_allowed(truth, allowed, "y_true")
    if preds is not None:
        _check_allowed(preds, allowed, "y_pred")
    binary = len(allowed) == 2
    if binary and positive not in allowed:
        raise ValueError(f"positive={positive!r} is not one of the labels {allowed}; pass positive=<label>")
    negative = next((x for x in allowed if x != positive), None) if binary else None

    if scores is not None:
        if binary and scores.ndim != 1:
            raise ValueError(f"binary y_score must be 1-D (the positive class's score), got shape {scores.shape}")
        if not binary and (scores.ndim != 2 or scores.shape[1] != len(allowed)):
            raise ValueError(
                f"multi-class y_score must have shape (n, {len(allowed)}) in labels order {allowed}, "
                f"got {scores.shape}"
            )
        if not np.isfinite(scores).all():
            raise ValueError("y_score holds NaN or infinite values")
    if preds is None:
        assert scores is not None
        preds = (
            [positive if s >= threshold else negative for s in scores]
            if binary
            else [allowed[i] for i in scores.argmax(axis=1)]
        )

    # The numbers themselves come from the metric registry, the functions evaluate and compare use:
    # labels become class indices (binary: the positive class is 1).
    order = [negative, positive] if binary else allowed
    index = {label: i for i, label in enumerate(order)}
    if scores is None:  # no ranking metric without scores; the rows only need the class count
        probs = np.eye(len(order))[[index[x] for x in preds]]
    else:
        probs = np.column_stack([1 - scores, scores]) if binary else scores
    items = [{"label": index[t], "pred": index[p], "probs": row} for t, p, row in zip(truth, preds, probs, strict=True)]
    names = ["accuracy", "precision", "recall", "f1", "f1_macro", "mcc", "fpr"]
    if scores is not None:
        names += ["roc_auc", "pr_auc", "vd_s"] if binary else ["roc_auc", "pr_auc"]
        if len(set(truth)) < len(order):
            logger.warning("y_true lacks classes %s: %s undefined (nan)",
                           [x for x in order if x not in set(truth)], ", ".join(names[7:]))
    return {"n": len(truth), **compute_metrics("detection", items, names)}


# --- vulnerable / patched pairs ---------------------------------------------


def paired_metrics(
    pair_ids: Sequence[Hashable], y_true: Sequence[Any], y_pred: Sequence[Any], *, positive: Hashable = 1
) -> dict[str, float]:
    """PrimeVul's pair-wise scores over (vulnerable, patched) function pairs.

    Each pair must hold exactly one vulnerable (``positive``) and one patched
    item. Definitions (Ding et al. 2024, §"Paired functions"), as fractions of pairs:

    - ``P-C``: both predicted correctly;
    - ``P-V``: both predicted vulnerable;
    - ``P-B``: both predicted benign;
    - ``P-R``: both wrong, reversed (vulnerable called benign, patched called vulnerable).

    The four add up to 1. ``n_pairs`` is the number of pairs.

    Raises:
        ValueError: On empty or mismatched inputs, or a pair that is not one vulnerable + one patched item.
    """
    ids = _as_list(pair_ids, "pair_ids")
    truth = _as_list(y_true, "y_true")
    preds = _as_list(y_pred, "y_pred")
    _check_lengths(pair_ids=ids, y_true=truth, y_pred=preds)
    pairs: dict[Hashable, list[int]] = {}
    for i, pid in enumerate(ids):
        pairs.setdefault(pid, []).append(i)
    for pid, members in pairs.items():
        if len(members) != 2 or sorted(truth[i] == positive for i in members) != [False, True]:
            raise ValueError(
                f"pair {pid!r} must hold one vulnerable ({positive!r}) and one patched item, got labels "
                f"{[truth[i] for i in members]}; fix pair_ids or y_true"
            )
    _check_allowed(preds, _sorted(set(truth)), "y_pred")

    counts = {"P-C": 0, "P-V": 0, "P-B": 0, "P-R": 0}
    for members in pairs.values():
        vul, pat = members if truth[members[0]] == positive else members[::-1]
        vul_called, pat_called = preds[vul] == positive, preds[pat] == positive
        if vul_called and not pat_called:
            counts["P-C"] += 1
        elif vul_called and pat_called:
            counts["P-V"] += 1
        elif not vul_called and not pat_called:
            counts["P-B"] += 1
        else:
            counts["P-R"] += 1
    n = len(pairs)
    return {**{k: v / n for k, v in counts.items()}, "n_pairs": n}
