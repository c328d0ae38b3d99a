"""The metric registry: every metric a result can hold, with its function, title and direction.

It sits here, beside the tasks that name its metrics, so that every layer above
``data`` reads one declaration: evaluation, reports and ``compare`` (through
``llmsec.eval``, which re-exports it) and training (a grid search's direction,
``llmsec.train.grid_search``).

One :class:`Metric` per name. ``evaluate`` computes a task's metrics (``Task.metrics``)
from its per-item rows with these functions, the report and the CLI table take
their titles and column order from here (registration order), ``compare``
bootstraps them over the same rows, and the model card lists them. A new metric
is one :func:`register_metric` call; name it in a task's ``metrics`` and every
one of those places shows it.

A metric's function reads a result's ``items`` (any subset of them, for the
bootstrap): detection rows hold ``label`` and ``pred`` (class indices) and
``probs``; generation rows hold ``truth``, ``pred`` (``None`` when unparsed),
``parsed`` and ``scores`` (the task's per-item values,
:attr:`llmsec.data.tasks.Answers.score`). Everything is scikit-learn or a mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._registry import Registry

__all__ = ["CHOICE", "DETECTION", "GENERATION", "METRICS", "VD_MAX_FPR", "Metric", "VDPoint", "compute_metrics",
           "get_metric", "item_mean", "lower_is_better", "metric_keys", "metric_title", "register_metric", "vd_point"]

Items = Sequence[Mapping[str, Any]]
#: Result kinds whose rows the built-in functions read.
DETECTION, GENERATION, CHOICE = "detection", "generation", "multiple-choice"


@dataclass(frozen=True)
class Metric:
    """A registered metric.

    Attributes:
        name: the key in a result's ``metrics`` (``f1_weighted``).
        title: the column title in reports, the CLI table and the model card.
        higher_is_better: the direction (compare's "B better" / "B worse").
        fn: ``items -> value`` over per-item rows (see the module docstring); ``None`` for a
            metric the harness measures as a whole (perplexity), which has no per-item rows.
        kinds: the result kinds (``detection``, ``generation``, ``multiple-choice``) whose rows
            ``fn`` reads.
        compare: ``compare`` bootstraps an interval for it (the result's main metric always is).
        description: one line for the docs.
    """

    name: str
    title: str
    higher_is_better: bool
    fn: Callable[[Items], float] | None = None
    kinds: tuple[str, ...] = (DETECTION, GENERATION)
    compare: bool = True
    description: str = ""

    def applies(self, kind: str | None) -> bool:
        """Whether ``fn`` can score the rows of a result of this ``kind``."""
        return self.fn is not None and kind in self.kinds


METRICS: Registry[Metric] = Registry("metric")


def register_metric(metric: Metric) -> Metric:
    """Add a metric to the registry and return it."""
    METRICS.add(metric.name, metric)
    return metric


def get_metric(name: str) -> Metric:
    """The registered metric called ``name``."""
    return METRICS.get(name)


def metric_title(name: str) -> str:
    """The title of metric ``name`` (the name itself when it is not registered)."""
    return METRICS.get(name).title if name in METRICS else name


def lower_is_better(key: str) -> bool:
    """The direction of a metric key: a registered name, or one with a trainer's ``eval_`` / ``train_`` / ``test_``
    prefix (``eval_loss``, ``eval_f1_macro``).

    Raises:
        KeyError: the name is not a registered metric (the message lists the registered ones).
    """
    name = key
    for prefix in ("eval_", "train_", "test_"):
        if name.startswith(prefix) and name.removeprefix(prefix) in METRICS:
            name = name.removeprefix(prefix)
            break
    if name not in METRICS:
        raise KeyError(METRICS.unknown_message(name))
    return not METRICS.get(name).higher_is_better


def metric_keys(*metric_sets: Mapping[str, Any] | None) -> list[str]:
    """The registered metrics present in any of ``metric_sets``, in registration (column) order."""
    present = set().union(*(m.keys() for m in metric_sets if m))
    return [name for name, _ in METRICS.items() if name in present]


def compute_metrics(kind: str, items: Items, names: Sequence[str]) -> dict[str, float]:
    """``{name: fn(items)}`` for each of ``names`` whose metric reads ``kind`` rows (others are skipped).

    Raises:
        UnknownNameError: a name that is not registered.
    """
    out: dict[str, float] = {}
    for name in dict.fromkeys(names):
        metric = get_metric(name)
        if metric.applies(kind):
            out[name] = float(metric.fn(items))  # type: ignore[misc]
    return out


# --- row accessors -------------------------------------------------------------------


def _detection(items: Items) -> bool:
    return "label" in items[0]


def _truth_pred(items: Items) -> tuple[list[Any], list[Any]]:
    if _detection(items):
        return [it["label"] for it in items], [it["pred"] for it in items]
    return [it["truth"] for it in items], ["" if it["pred"] is None else it["pred"] for it in items]


def _labels(items: Items) -> list[Any]:
    """Detection: every class index of the head; generation: the true answers seen."""
    if _detection(items):
        return list(range(len(items[0]["probs"])))
    return sorted({it["truth"] for it in items})


def _binary(items: Items) -> bool:
    return _detection(items) and len(items[0]["probs"]) == 2


def item_mean(key: str) -> Callable[[Items], float]:
    """A metric that is the mean of the rows' per-item ``scores[key]`` (``None`` values left out; none: nan)."""

    def mean(items: Items) -> float:
        values = [it["scores"].get(key) for it in items if it.get("scores")]
        kept = [v for v in values if v is not None]
        return math.fsum(kept) / len(kept) if kept else float("nan")

    mean.__name__ = f"mean_{key}"
    return mean


# --- the built-in functions ----------------------------------------------------------


def _accuracy(items: Items) -> float:
    if items[0].get("scores") and "accuracy" in items[0]["scores"]:
        return item_mean("accuracy")(items)
    from sklearn.metrics import accuracy_score

    truth, pred = _truth_pred(items)
    return float(accuracy_score(truth, pred))


def _prf(index: int, average: str | None = None) -> Callable[[Items], float]:
    """Precision (0), recall (1) or F1 (2): of class 1 for a binary head, else ``average`` (default macro)."""

    def fn(items: Items) -> float:
        from sklearn.metrics import precision_recall_fscore_support

        truth, pred = _truth_pred(items)
        if average is None and _binary(items):
            kwargs: dict[str, Any] = {"average": "binary", "pos_label": 1}
        else:
            kwargs = {"average": average or "macro", "labels": _labels(items)}
        return float(precision_recall_fscore_support(truth, pred, zero_division=0, **kwargs)[index])

    return fn


def _mcc(items: Items) -> float:
    from sklearn.metrics import matthews_corrcoef

    truth, pred = _truth_pred(items)
    if len(set(truth) | set(pred)) < 2:  # one label only (a small resample): no correlation to measure
        return 0.0
    return float(matthews_corrcoef(truth, pred))


def _fpr(items: Items) -> float:
    from sklearn.metrics import confusion_matrix

    truth, pred = _truth_pred(items)
    labels = _labels(items)
    cm = confusion_matrix(truth, pred, labels=labels)
    fp = cm.sum(axis=0) - np.diag(cm)
    tn = cm.sum() - cm.sum(axis=0) - cm.sum(axis=1) + np.diag(cm)
    per_class = np.divide(fp, fp + tn, out=np.zeros(len(labels)), where=(fp + tn) > 0)
    return float(per_class[1] if _binary(items) else per_class.mean())


def _scores(items: Items) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(true class indices, probabilities, defined)``: ranking metrics need every class present."""
    y = np.asarray([it["label"] for it in items])
    probs = np.asarray([it["probs"] for it in items], dtype=float)
    present = len(np.unique(y))
    return y, probs, present == probs.shape[1]


def _ranking(sklearn_name: str) -> Callable[[Items], float]:
    def fn(items: Items) -> float:
        import sklearn.metrics

        score = getattr(sklearn.metrics, sklearn_name)
        y, probs, defined = _scores(items)
        if not defined:
            return float("nan")
        if probs.shape[1] == 2:
            return float(score(y, probs[:, 1]))
        onehot = np.eye(probs.shape[1], dtype=int)[y]  # one-vs-rest, macro
        return float(score(onehot, probs, average="macro"))

    return fn


#: The false-positive-rate budget of PrimeVul's VD-S (0.5%).
VD_MAX_FPR = 0.005


@dataclass(frozen=True)
class VDPoint:
    """The operating point VD-S is read at.

    Attributes:
        fnr: False-negative rate at the threshold: the VD-S (lower is better).
        fpr: False-positive rate actually reached there (at most the budget).
        threshold: Score threshold; an item is called positive when ``score >= threshold``.
    """

    fnr: float
    fpr: float
    threshold: float


def vd_point(t: np.ndarray, s: np.ndarray, max_fpr: float = VD_MAX_FPR) -> VDPoint:
    """VD-S on checked inputs (0/1 labels with both classes, finite scores); ``llmsec.eval.vd_operating_point``
    checks them and documents the definition."""
    from sklearn.metrics import roc_curve

    fpr, _, thresholds = roc_curve(t, s)
    valid = np.flatnonzero(fpr <= max_fpr)
    idx = int(valid[-1]) if valid.size else int(np.abs(fpr - max_fpr).argmin())
    threshold = float(thresholds[idx])
    called = s >= threshold
    tp = int(np.sum(called & (t == 1)))
    fn = int(np.sum(~called & (t == 1)))
    fp = int(np.sum(called & (t == 0)))
    tn = int(np.sum(~called & (t == 0)))
    return VDPoint(
        fnr=fn / (fn + tp) if fn + tp else 0.0,
        fpr=fp / (fp + tn) if fp + tn else 0.0,
        threshold=threshold,
    )


def _vd_s(items: Items) -> float:
    y, probs, defined = _scores(items)
    return vd_point(y, probs[:, 1]).fnr if defined and probs.shape[1] == 2 else float("nan")


def _unparsed(items: Items) -> float:
    return float(sum(not it.get("parsed", True) for it in items))


_BOTH = (DETECTION, GENERATION)
for _metric in (
    Metric("accuracy", "accuracy", True, _accuracy, (DETECTION, GENERATION, CHOICE),
           description="share of items answered right (generation: the task's per-item match)"),
    Metric("precision", "precision", True, _prf(0), _BOTH, compare=False,
           description="of the positive class (binary), else the macro mean"),
    Metric("recall", "recall", True, _prf(1), _BOTH, compare=False,
           description="of the positive class (binary), else the macro mean"),
    Metric("f1", "F1", True, _prf(2), _BOTH, description="of the positive class (binary), else the macro mean"),
    Metric("f1_macro", "F1 (macro)", True, _prf(2, "macro"), _BOTH, compare=False,
           description="unweighted mean of the per-class F1"),
    Metric("f1_weighted", "F1 (weighted)", True, _prf(2, "weighted"), _BOTH, compare=False,
           description="per-class F1 weighted by each class's support"),
    Metric("precision_macro", "precision (macro)", True, _prf(0, "macro"), _BOTH, compare=False,
           description="unweighted mean of the per-class precision"),
    Metric("recall_macro", "recall (macro)", True, _prf(1, "macro"), _BOTH, compare=False,
           description="unweighted mean of the per-class recall"),
    Metric("mcc", "MCC", True, _mcc, _BOTH, description="Matthews correlation coefficient"),
    Metric("roc_auc", "ROC-AUC", True, _ranking("roc_auc_score"), (DETECTION,),
           description="area under the ROC curve (multi-class: one-vs-rest macro)"),
    Metric("pr_auc", "PR-AUC", True, _ranking("average_precision_score"), (DETECTION,), compare=False,
           description="average precision (multi-class: one-vs-rest macro)"),
    Metric("fpr", "FPR", False, _fpr, _BOTH, compare=False,
           description="false-positive rate (multi-class: macro mean of one-vs-rest FPRs)"),
    Metric("vd_s", "VD-S (FNR @ FPR<=0.5%)", False, _vd_s, (DETECTION,), compare=False,
           description="PrimeVul's VD-S: false-negative rate at FPR <= 0.5% (binary)"),
    Metric("mad", "CVSS MAD", False, item_mean("mad"), (GENERATION,),
           description="mean absolute deviation of CVSS v3 base scores (unscorable answers left out)"),
    Metric("vector_exact_match", "exact vector", True, item_mean("vector_exact_match"), (GENERATION,),
           compare=False, description="share of answers whose CVSS vector has all eight base metrics right"),
    Metric("metric_accuracy", "CVSS metric accuracy", True, item_mean("metric_accuracy"), (GENERATION,),
           compare=False, description="share of the eight CVSS base metrics answered right, averaged"),
    Metric("technique_f1", "technique F1", True, item_mean("technique_f1"), (GENERATION,),
           description="per-item F1 of the ATT&CK technique id sets, averaged"),
    Metric("technique_precision", "technique precision", True, item_mean("technique_precision"), (GENERATION,),
           compare=False, description="per-item precision of the technique id sets, averaged"),
    Metric("technique_recall", "technique recall", True, item_mean("technique_recall"), (GENERATION,),
           compare=False, description="per-item recall of the technique id sets, averaged"),
    Metric("unparsed", "unparsed", False, _unparsed, (GENERATION, CHOICE), compare=False,
           description="answers that held no usable answer (counted as wrong)"),
    Metric("perplexity", "perplexity", False, description="exp of the mean token NLL of the texts"),
    Metric("loss", "loss", False, description="the mean token cross-entropy a training stage reports "
           "(`eval_loss`, `train_loss`)"),
    Metric("bits_per_byte", "bits per byte", False, description="the texts' NLL in bits per UTF-8 byte"),
    Metric("answer_perplexity", "answer perplexity", False,
           description="perplexity of the reference answers given their prompts"),
):
    register_metric(_metric)
