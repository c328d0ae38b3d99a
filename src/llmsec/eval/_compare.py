"""``compare``: two models on the same items, side by side, with paired bootstrap intervals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._bootstrap import paired_bootstrap
from ._metric_registry import METRICS, get_metric, metric_title

__all__ = ["compare", "compare_markdown", "compare_metrics", "compare_results", "write_compare_report"]

logger = logging.getLogger(__name__)

def compare_metrics(result: dict[str, Any]) -> list[str]:
    """The metrics ``compare`` bootstraps for a result: the registered ones it holds that read its rows and
    are marked ``compare`` (registration order), and its main metric."""
    kind, main, held = result.get("kind"), result.get("main_metric"), result.get("metrics")
    return [name for name, metric in METRICS.items()
            if (held is None or name in held) and metric.applies(kind) and (metric.compare or name == main)]


def compare_results(a: dict[str, Any], b: dict[str, Any], *, n_resamples: int = 1000, seed: int = 0,
                    confidence: float = 0.95) -> list[dict[str, Any]]:
    """One row per compared metric: ``a``'s and ``b``'s values, ``b - a`` and its paired bootstrap interval.

    Each metric is computed by its registered function (:mod:`._metric_registry`) on the
    same resampled items of both results; a result without per-item rows (perplexity)
    gets the difference of its main metric only.

    Raises:
        ValueError: the two results were not measured on the same items.
    """
    if a["task"] != b["task"] or a.get("kind") != b.get("kind"):
        raise ValueError(f"cannot compare {a['task']}/{a.get('kind')} with {b['task']}/{b.get('kind')}: "
                         "evaluate both on the same task")
    if a["n"] != b["n"]:
        raise ValueError(f"prediction counts differ: {a['model']['name']} scored {a['n']} items, "
                         f"{b['model']['name']} {b['n']}; compare on the same data")
    ia, ib = a.get("items"), b.get("items")
    names = compare_metrics(a) if ia and ib else []
    if not names:  # perplexity: no per-item values, the difference only
        name = a.get("main_metric", "perplexity")
        va, vb = float(a["metrics"][name]), float(b["metrics"][name])
        return [{"metric": name, "higher_is_better": a.get("higher_is_better", False), "a": va, "b": vb,
                 "diff": vb - va, "low": None, "high": None, "excludes_zero": None}]
    truth = "label" if "label" in ia[0] else "truth"
    if [it[truth] for it in ia] != [it[truth] for it in ib]:
        raise ValueError("the two results have different true labels item by item: they were not scored on "
                         "the same items in the same order")
    import sklearn

    rows: list[dict[str, Any]] = []
    # the inputs were validated once, by evaluate: the resamples skip scikit-learn's per-call checks
    with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
        for name in names:
            fn = get_metric(name).fn
            assert fn is not None

            def pair(idx: np.ndarray, fn: Callable[..., float] = fn) -> tuple[float, float]:
                return float(fn([ia[i] for i in idx])), float(fn([ib[i] for i in idx]))

            rows.append(_row(name, get_metric(name).higher_is_better, pair, len(ia), n_resamples, seed,
                             confidence))
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
    from ..checkpoints import as_model_config, is_checkpoint, read_checkpoint
    from ._evaluate import SCHEMA_VERSION, check_scorable, evaluate

    name = as_model_config(adapted).name
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
    from ._report import _fmt

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
        title = metric_title(r["metric"])
        lines.append(f"| {title} | {_fmt(r['a'])} | {_fmt(r['b'])} | {_fmt(r['diff'])} | {ci} | {verdict} |")
    if b.get("baseline"):
        lines += ["", "TF-IDF baseline on the same items: " + ", ".join(
            f"{r['metric']} {_fmt(b['baseline']['metrics'].get(r['metric'], float('nan')))}"
            for r in comp["comparison"])]
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
