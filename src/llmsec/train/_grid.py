"""Choosing settings on the validation split: a small grid of recipe overrides, each trained and compared.

Every combination of the grid's values is one run of the recipe (in its own
``<output_dir>/grid/<i>``); the last stage's final evaluation on its ``data.eval``
(the validation split carved from training, never the test split) picks the best.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Recipe, apply_override, dump_recipe, recipe_from_dict
from ..data.tasks import METRICS
from ..data.tasks import lower_is_better as registered_lower_is_better

__all__ = ["GridResult", "grid_search", "parse_grid"]

logger = logging.getLogger(__name__)

@dataclass
class GridResult:
    """What a grid search tried and what it chose.

    Attributes:
        metric: the validation metric compared (``eval_loss`` by default).
        trials: one row per combination: ``overrides``, ``output_dir``, ``value`` and ``metrics``.
        best: the index of the best trial.
    """

    metric: str
    trials: list[dict[str, Any]] = field(default_factory=list)
    best: int = 0

    @property
    def best_overrides(self) -> list[str]:
        """The ``key=value`` overrides of the best trial."""
        return list(self.trials[self.best]["overrides"])


def parse_grid(items: Sequence[str]) -> dict[str, list[str]]:
    """``["stages.0.trainer.learning_rate=1e-4,3e-4", ...]`` as ``{key: [values]}``.

    Raises:
        ValueError: an item is not ``key=v1,v2,...``, or a key repeats.
    """
    grid: dict[str, list[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        options = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key.strip() or not options:
            raise ValueError(f"grid item {item!r} is not of the form key=value1,value2,...")
        if key.strip() in grid:
            raise ValueError(f"grid key {key.strip()!r} is given twice; list all its values in one item")
        grid[key.strip()] = options
    return grid


def grid_search(recipe: Recipe, grid: Mapping[str, Sequence[str]], *, metric: str = "eval_loss",
                lower_is_better: bool | None = None, callbacks: Sequence[Any] = ()) -> GridResult:
    """Train ``recipe`` once per combination of ``grid`` values; choose on the validation split.

    Args:
        recipe: the recipe; its last stage must have ``data.eval`` (the validation split).
        grid: dotted recipe keys and the values to try (``{"stages.0.trainer.learning_rate": ["1e-4", "3e-4"]}``).
        metric: the last stage's final evaluation metric to compare (``eval_loss``, or e.g.
            ``eval_f1_macro`` for a transfer stage); which way is better is the registered metric's
            direction (``llmsec.data.tasks.METRICS``, the one evaluation reports read), ``eval_`` /
            ``train_`` prefixes aside.
        lower_is_better: the direction of a metric that is not registered (``eval_rewards/margins``);
            None: the registry's.
        callbacks: trainer callbacks for every run (progress).

    Returns:
        The :class:`GridResult`; ``<output_dir>/grid.json`` holds it and ``<output_dir>/best.yaml`` the
        winning recipe (its ``output_dir`` the trial's).

    Raises:
        ValueError: an empty grid, no ``data.eval`` on the last stage, a metric that is neither registered nor
            given a direction (checked before any training), or a run that did not report ``metric``.
    """
    from .pipeline import Pipeline

    if not grid:
        raise ValueError("the grid is empty: give at least one key=value1,value2")
    if recipe.stages[-1].data.eval is None:
        raise ValueError(f"stage {recipe.stages[-1].label!r} has no data.eval: a grid search chooses on the "
                         "validation split, so give the last stage one (never the test split)")
    lower = _direction(metric) if lower_is_better is None else lower_is_better
    root = Path(recipe.output_dir)
    result = GridResult(metric=metric)
    keys = list(grid)
    for i, values in enumerate(itertools.product(*(grid[k] for k in keys))):
        overrides = [f"{k}={v}" for k, v in zip(keys, values, strict=True)]
        raw = recipe.model_dump(mode="json")
        for item in [*overrides, f"output_dir={root / 'grid' / str(i)}"]:
            apply_override(raw, item)
        trial = recipe_from_dict(raw, source=f"grid trial {i}")
        logger.info("grid trial %d: %s", i, ", ".join(overrides))
        metrics = Pipeline(trial, callbacks=callbacks).run()[-1].metrics
        if metric not in metrics:
            raise ValueError(f"grid trial {i} reported no {metric!r}; it reported {sorted(metrics)}")
        result.trials.append({"overrides": overrides, "output_dir": str(trial.output_dir),
                              "value": float(metrics[metric]), "metrics": metrics})
    values = [t["value"] for t in result.trials]
    result.best = values.index(min(values) if lower else max(values))
    root.mkdir(parents=True, exist_ok=True)
    (root / "grid.json").write_text(json.dumps({"metric": metric, "lower_is_better": lower, "best": result.best,
                                                "trials": result.trials}, indent=2) + "\n")
    best = recipe.model_dump(mode="json")
    for item in [*result.best_overrides, f"output_dir={result.trials[result.best]['output_dir']}"]:
        apply_override(best, item)
    dump_recipe(recipe_from_dict(best), root / "best.yaml")
    return result


def _direction(metric: str) -> bool:
    """Whether lower ``metric`` values win, from the metric registry; an unknown one is a clear error."""
    try:
        return registered_lower_is_better(metric)
    except KeyError:
        raise ValueError(
            f"grid metric {metric!r} is not a registered metric, so which way is better is unknown: compare a "
            f"registered one (with an eval_ prefix: {', '.join(METRICS.names())}) or pass lower_is_better"
        ) from None
