"""Tasks: what a task reads, its labels and metrics, how it renders, and how it is scored.

A new task is one ``register_task(Task(...))`` in a module here (one module per
task family) and one import line below; the tests iterate over the registry. A
task scored on generated text also sets ``answers=`` (:class:`Answers`: how its
answer is extracted and scored) and evaluation follows it with no other change.
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

# Register the built-in tasks (import for side effect).
from . import attack, cve, flows, knowledge, malware, phishing, text, vuln  # noqa: F401  isort: skip

__all__ = [
    "CVSS_ANSWERS",
    "CWE_ANSWERS",
    "CWE_NAMES",
    "MCQ_ANSWERS",
    "TASKS",
    "TECHNIQUE_ANSWERS",
    "VIEWS",
    "Answers",
    "Task",
    "TaskRecordError",
    "View",
    "cwe_name",
    "describe_cwe",
    "exact_match",
    "get_task",
    "mcq_answer",
    "mcq_choice",
    "mcq_prompt",
    "record_text",
    "register_task",
]
