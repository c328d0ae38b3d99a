"""Tasks: what a detection or training task reads, its labels and metrics, and how it renders.

A new task is one ``register_task(Task(...))`` in a module here (one module per
task family) and one import line below; the tests iterate over the registry.
"""

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
    "CWE_NAMES",
    "TASKS",
    "VIEWS",
    "Task",
    "TaskRecordError",
    "View",
    "cwe_name",
    "describe_cwe",
    "get_task",
    "mcq_answer",
    "mcq_choice",
    "mcq_prompt",
    "record_text",
    "register_task",
]
