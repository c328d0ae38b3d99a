"""The secure-code figure: the insecure rate per group (language), model(s) beside the copied original."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_breakdown"]


def plot_breakdown(result: dict[str, Any], path: Path, others: dict[str, dict[str, Any]] | None = None,
                   *, metric: str | None = None, baseline: str = "copy_insecure_rate") -> Path | None:
    """A grouped bar chart of ``metric`` (default: the result's main metric) per group of the result's
    first ``breakdown`` table, for the result, ``others`` (compare's base) and the ``baseline`` metric
    (the copied original); None when there is nothing to draw."""
    tables = result.get("breakdown") or {}
    if not tables:
        return None
    by, groups = next(iter(tables.items()))
    metric = metric or result.get("main_metric") or ""
    series: dict[str, list[float]] = {}
    for name, res in [(Path(result["model"]["name"]).name, result), *(others or {}).items()]:
        table = (res.get("breakdown") or {}).get(by, {})
        series[name] = [float(table.get(g, {}).get(metric, float("nan"))) for g in groups]
    if baseline and any(baseline in m for m in groups.values()):
        series["copied insecure original"] = [float(m.get(baseline, float("nan"))) for m in groups.values()]
    if not groups or not any(np.isfinite(v).any() for v in map(np.array, series.values())):
        return None
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from .._metric_registry import metric_title

    x = np.arange(len(groups))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.7 * len(groups) + 2), 4))
    for i, (name, values) in enumerate(series.items()):
        ax.bar(x + i * width - 0.4 + width / 2, np.nan_to_num(values), width, label=name)
    ax.set_xticks(x, list(groups), rotation=30 if len(groups) > 6 else 0)
    ax.set(ylabel=metric_title(metric), title=f"{metric_title(metric)} by {by}")
    if metric.endswith("_rate"):
        ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
