"""Security knowledge: ``sec-mcq`` (multiple-choice questions: CyberMetric, SecEval, CTI-MCQ).

These sets are mostly benchmarks: training on them contaminates the published
scores; prepare them to study the format, or hold them out for evaluation.
"""

from __future__ import annotations

from .._records import MultipleChoice
from ._answers import MCQ_ANSWERS
from ._base import Task, register_task

SEC_MCQ = register_task(Task(
    name="sec-mcq",
    record_type=MultipleChoice,
    description="security knowledge multiple-choice questions (question + choices -> letter)",
    metrics=("accuracy",),
    instruction="Answer with the letter of the correct choice.",
    kind="multiple-choice",
    default_format="cybermetric",
    formats=("cybermetric", "seceval", "ctibench-mcq", "jsonl"),
    group_key="meta['group'] when set (e.g. the source page a question was written from)",
    answers=MCQ_ANSWERS,
    max_new_tokens=16,
    aliases=("mcq", "cybermetric", "cti-mcq", "seceval"),
))
