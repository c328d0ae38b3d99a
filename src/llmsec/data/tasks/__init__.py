"""Tasks: what a task reads, its labels and metrics, how it renders, and how it is scored.

A new task is one ``register_task(Task(...))`` in a module here (one module per
task family) and one import line below; the tests iterate over the registry. A
task scored on generated text also sets ``answers=`` (:class:`Answers`: how its
answer is extracted and scored) and evaluation follows it with no other change.

The metric registry (``METRICS``: name, function, title, direction) lives here
too, beside the tasks that name its metrics, so that evaluation and training read
the same declaration.
"""

from ._answers import CVSS_ANSWERS, CWE_ANSWERS, MCQ_ANSWERS, TECHNIQUE_ANSWERS, Answers, exact_match
from ._base import (
    TASKS,
    VIEWS,
    Task,
    TaskRecordError,
    View,
    get_task,
    mcq_answer,
    mcq_choice,
    mcq_prompt,
    record_text,
    register_task,
)
from ._cwe_names import CWE_NAMES, cwe_name, describe_cwe
from ._metrics import (
    CHOICE,
    DETECTION,
    GENERATION,
    METRICS,
    VD_MAX_FPR,
    Metric,
    VDPoint,
    compute_metrics,
    get_metric,
    item_mean,
    lower_is_better,
    metric_keys,
    metric_title,
    register_metric,
    vd_point,
)

# Register the built-in tasks (import for side effect).
from . import attack, cve, flows, knowledge, malware, phishing, text, vuln  # noqa: F401  isort: skip

__all__ = [
    "CHOICE",
    "CVSS_ANSWERS",
    "CWE_ANSWERS",
    "CWE_NAMES",
    "DETECTION",
    "GENERATION",
    "MCQ_ANSWERS",
    "METRICS",
    "TASKS",
    "TECHNIQUE_ANSWERS",
    "VD_MAX_FPR",
    "VIEWS",
    "Answers",
    "Metric",
    "Task",
    "TaskRecordError",
    "VDPoint",
    "View",
    "compute_metrics",
    "cwe_name",
    "describe_cwe",
    "exact_match",
    "get_metric",
    "get_task",
    "item_mean",
    "lower_is_better",
    "mcq_answer",
    "mcq_choice",
    "mcq_prompt",
    "metric_keys",
    "metric_title",
    "record_text",
    "register_metric",
    "register_task",
    "vd_point",
]
