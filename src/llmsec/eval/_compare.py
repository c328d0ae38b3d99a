"""``compare``: two models on the same items, side by side, with paired bootstrap intervals."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._bootstrap import paired_bootstrap

__all__ = ["compare", "compare_markdown", "compare_results", "write_compare_report"]

logger = logging.getLogger(__name__)

#: Main metrics compared with an interval, per result kind.
DETECTION_METRICS = ("accuracy", "f1", "mcc", "roc_auc")


def _binary_counts(y: np.ndarray, pred: np.ndarray) -> tuple[int, int, int, int]:
    tp = int(np.sum((pred == 1) & (y == 1)))
    fp = int(np.sum((pred == 1) & (y == 0)))
    fn = int(np.sum((pred == 0) & (y == 1)))
    tn = int(np.sum((pred == 0) & (y == 0)))
    return tp, fp, fn, tn


def _metric_fn(name: str, n_labels: int) -> Callable[[np.ndarray, np.ndarray], float]:
    """``f(y_true, probs) -> value`` on an item subset (binary metrics in numpy, for speed)."""
    from sklearn.metrics import f1_score, matthews_corrcoef, roc_auc_score

    def accuracy(y: np.ndarray, p: np.ndarray) -> float:
        return float(np.mean(p.argmax(-1) == y))

    def f1(y: np.ndarray, p: np.ndarray) -> float:
        if n_labels != 2:
            return float(f1_score(y, p.argmax(-1), average="macro", labels=list(range(n_labels)), zero_division=0))
        tp, fp, fn, _ = _binary_counts(y, p.argmax(-1))
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0

    def mcc(y: np.ndarray, p: np.ndarray) -> float:
        if n_labels != 2:
            return float(matthews_corrcoef(y, p.argmax(-1)))
        tp, fp, fn, tn = _binary_counts(y, p.argmax(-1))
        denom = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        return (tp * tn - fp * fn) / denom if denom else 0.0

    def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
        if len(np.unique(y)) < 2:
            return float("nan")
        if n_labels == 2:
            from scipy.stats import rankdata

            ranks = rankdata(p[:, 1])
            n_pos = int(y.sum())
            n_neg = len(y) - n_pos
            return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
        if len(np.unique(y)) < n_labels:
            return float("nan")
        return float(roc_auc_score(y, p, multi_class="ovr", labels=list(range(n_labels))))

    return {"accuracy": accuracy, "f1": f1, "mcc": mcc, "roc_auc": roc_auc}[name]


def compare_results(a: dict[str, Any], b: dict[str, Any], *, n_resamples: int = 1000, seed: int = 0,
                    confidence: float = 0.95) -> list[dict[str, Any]]:
    """One row per main metric: ``a``'s and ``b``'s values, ``b - a`` and its paired bootstrap interval.

    Raises:
        ValueError: the two results were not measured on the same items.
    """
    if a["task"] != b["task"] or a.get("kind") != b.get("kind"):
        raise ValueError(f"cannot compare {a['task']}/{a.get('kind')} with {b['task']}/{b.get('kind')}: "
                         "evaluate both on the same task")
    if a["n"] != b["n"]:
        raise ValueError(f"prediction counts differ: {a['model']['name']} scored {a['n']} items, "
                         f"{b['model']['name']} {b['n']}; compare on the same data")
    rows: list[dict[str, Any]] = []
    kind = a.get("kind")
    if kind == "detection" and a.get("items") and b.get("items"):
        y = np.array([it["label"] for it in a["items"]])
        if not np.array_equal(y, [it["label"] for it in b["items"]]):
            raise ValueError("the two results have different true labels item by item: they were not scored on "
                             "the same items in the same order")
        pa = np.array([it["probs"] for it in a["items"]])
        pb = np.array([it["probs"] for it in b["items"]])
        for name in DETECTION_METRICS:
            fn = _metric_fn(name, pa.shape[1])
            rows.append(_row(name, True, lambda idx, fn=fn: (fn(y[idx], pa[idx]), fn(y[idx], pb[idx])), len(y),
                             n_resamples, seed, confidence))
    elif kind == "generation" and a.get("items") and b.get("items"):
        va = [it["value"] for it in a["items"]]
        vb = [it["value"] for it in b["items"]]
        name, higher = a["main_metric"], a["higher_is_better"]

        def mean_of(values: list[float | None], idx: np.ndarray) -> float:
            kept = [values[i] for i in idx if values[i] is not None]
            return math.fsum(kept) / len(kept) if kept else float("nan")

        rows.append(_row(name, higher, lambda idx: (mean_of(va, idx), mean_of(vb, idx)), len(va),
                         n_resamples, seed, confidence))
    else:  # perplexity: no per-item values, the difference only
        name = a.get("main_metric", "perplexity")
        va, vb = float(a["metrics"][name]), float(b["metrics"][name])
        rows.append({"metric": name, "higher_is_better": False, "a": va, "b": vb, "diff": vb - va,
                     "low": None, "high": None, "excludes_zero": None})
    return rows


def _row(name: str, higher: bool, fn: Callable[[np.ndarray], tuple[float, float]], n: int, n_resamples: int,
         seed: int, confidence: float) -> dict[str, Any]:
    try:
        ci = paired_bootstrap(fn, n, n_resamples=n_resamples, seed=seed, confidence=confidence)
    except ValueError as exc:
        logger.warning("no interval for %s: %s", name, exc)
        a, b = fn(np.arange(n))
        return {"metric": name, "higher_is_better": higher, "a": a, "b": b, "diff": b - a, "low": None,
                "high": None, "excludes_zero": None}
    return {"metric": name, "higher_is_better": higher, **ci.to_dict()}


def compare(
    base: Any,
    adapted: Any,
    *,
    task: str | None = None,
    data: str | Path | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    **evaluate_kwargs: Any,
) -> dict[str, Any]:
    """Evaluate ``base`` and ``adapted`` on the same items and compare them.

    The task and data default to the adapted checkpoint's; the contamination
    check and baseline run for the adapted model only.

    Returns:
        ``{"schema_version", "task", "base": result, "adapted": result, "comparison": rows, "bootstrap"}``.
    """
    from ..train import is_checkpoint, read_checkpoint
    from ._evaluate import SCHEMA_VERSION, _model_config, check_scorable, evaluate

    name = _model_config(adapted).name
    task_name = task or (read_checkpoint(name).task if is_checkpoint(name) else None)
    if task_name:  # the base is scored second: find out first that it can be
        check_scorable(base, task_name, require_head=evaluate_kwargs.get("require_head", False))
    b = evaluate(adapted, task=task, data=data, **evaluate_kwargs)
    kwargs = {**evaluate_kwargs, "baseline": False, "strict": False, "data_format": b["data"]["format"]}
    a = evaluate(base, task=b["task"], data=b["data"]["source"], **kwargs)
    rows = compare_results(a, b, n_resamples=n_resamples, seed=seed)
    return {"schema_version": SCHEMA_VERSION, "task": b["task"], "base": a, "adapted": b, "comparison": rows,
            "bootstrap": {"n_resamples": n_resamples, "seed": seed, "confidence": 0.95, "paired": True}}


def compare_markdown(comp: dict[str, Any]) -> str:
    """The side-by-side table."""
    from ._report import METRIC_NAMES, _fmt

    a, b = comp["base"], comp["adapted"]
    lines = [f"# Compare on `{comp['task']}`", "",
             f"- base (A): `{a['model']['name']}` ({a.get('method')})",
             f"- adapted (B): `{b['model']['name']}` ({b.get('method')})",
             f"- data: `{b['data']['source']}` ({b['n']} items, the same for both)", "",
             f"| metric | A | B | B - A | {int(comp['bootstrap']['confidence'] * 100)}% CI (paired bootstrap, "
             f"{comp['bootstrap']['n_resamples']} resamples) | |", "|---|---:|---:|---:|---|---|"]
    for r in comp["comparison"]:
        ci = f"[{_fmt(r['low'])}, {_fmt(r['high'])}]" if r.get("low") is not None else "n/a"
        verdict = ""
        if r.get("excludes_zero"):
            better = (r["diff"] > 0) == r["higher_is_better"]
            verdict = "B better" if better else "B worse"
        elif r.get("excludes_zero") is False:
            verdict = "no significant difference"
        title = METRIC_NAMES.get(r["metric"], (r["metric"], True))[0]
        lines.append(f"| {title} | {_fmt(r['a'])} | {_fmt(r['b'])} | {_fmt(r['diff'])} | {ci} | {verdict} |")
    if b.get("baseline"):
        lines += ["", "TF-IDF baseline on the same items: " + ", ".join(
            f"{k} {_fmt(b['baseline']['metrics'].get(k, float('nan')))}" for k in DETECTION_METRICS)]
    return "\n".join(lines) + "\n"


def write_compare_report(comp: dict[str, Any], out: str | Path, *, predictions: bool = False,
                         plots: bool = True) -> dict[str, Path]:
    """Write ``compare.json``, ``compare.md`` and overlaid ROC/PR/calibration plots into ``out``."""
    import json

    from ._report import _jsonable, _strip_items

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    if plots:
        from ._plots import write_plots

        label = f"base: {Path(comp['base']['model']['name']).name}"
        names = write_plots(comp["adapted"], out, others={label: comp["base"]})
    payload = {**comp, "base": _strip_items(comp["base"], predictions),
               "adapted": _strip_items(comp["adapted"], predictions), "plots": names}
    files = {"compare.json": out / "compare.json", "compare.md": out / "compare.md"}
    files["compare.json"].write_text(json.dumps(_jsonable(payload), indent=2) + "\n", encoding="utf-8")
    md = compare_markdown(comp) + ("\n## Plots\n\n" + "\n".join(f"![{p}]({p})" for p in names) + "\n" if names else "")
    files["compare.md"].write_text(md, encoding="utf-8")
    files.update({n: out / n for n in names})
    return files
