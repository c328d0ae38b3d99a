"""Paired bootstrap confidence intervals for the difference of a metric between two models."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["BootstrapCI", "paired_bootstrap"]


@dataclass(frozen=True)
class BootstrapCI:
    """A metric difference ``b - a`` with its percentile bootstrap interval.

    Attributes:
        a, b: the metric of each model on all items.
        diff: ``b - a``.
        low, high: the interval's bounds.
        confidence: its level (0.95).
        n_resamples: resamples drawn; ``n_valid`` of them had the metric defined.
        seed: the generator's seed.
    """

    a: float
    b: float
    diff: float
    low: float
    high: float
    confidence: float
    n_resamples: int
    n_valid: int
    seed: int

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly on one side of zero (the difference is significant)."""
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**asdict(self), "excludes_zero": self.excludes_zero}


def paired_bootstrap(
    metric: Callable[[np.ndarray], tuple[float, float]],
    n_items: int,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> BootstrapCI:
    """Resample item indices with replacement and measure both models on the same resample.

    Args:
        metric: maps an index array to ``(metric of model a, metric of model b)`` on those items.
        n_items: the number of items both models were scored on.
        n_resamples: bootstrap resamples (1000).
        confidence: the interval's level.
        seed: seed of numpy's generator, so the interval is reproducible.

    Raises:
        ValueError: no items, or a metric undefined on the full set.
    """
    if n_items <= 0:
        raise ValueError("the paired bootstrap needs at least one item")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    a, b = metric(np.arange(n_items))
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"the metric is undefined on the full set (a={a}, b={b})")
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_resamples):
        ra, rb = metric(rng.integers(0, n_items, n_items))
        if math.isfinite(ra) and math.isfinite(rb):
            diffs.append(rb - ra)
    if not diffs:
        low = high = float("nan")
    else:
        tail = (1 - confidence) / 2 * 100
        low, high = (float(v) for v in np.percentile(diffs, [tail, 100 - tail]))
    return BootstrapCI(a=float(a), b=float(b), diff=float(b - a), low=low, high=high, confidence=confidence,
                       n_resamples=n_resamples, n_valid=len(diffs), seed=seed)
