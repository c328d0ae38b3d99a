"""The metric registry, as evaluation imports it; it lives in :mod:`llmsec.data.tasks` (``_metrics.py``).

It moved below ``train`` so that a grid search reads each metric's direction from
the same declaration that reports and ``compare`` read; this module keeps the
names importable from their old place.
"""

from ..data.tasks import (
    CHOICE,
    DETECTION,
    GENERATION,
    METRICS,
    Metric,
    compute_metrics,
    get_metric,
    item_mean,
    lower_is_better,
    metric_keys,
    metric_title,
    register_metric,
)

__all__ = ["CHOICE", "DETECTION", "GENERATION", "METRICS", "Metric", "compute_metrics", "get_metric", "item_mean",
           "lower_is_better", "metric_keys", "metric_title", "register_metric"]
