"""Vulnerable code: ``vuln-detect`` (safe/vulnerable) and ``cwe-classify`` (code -> CWE id).

Group key: the project (repository) for real-world sets (Devign, BigVul,
PrimeVul, DiverseVul, CyberSecEval), and for Juliet the test-case *template*:
the case id without its flow-variant number (``CWE121_..._connect_socket``
for ``CWE121_..._connect_socket_01`` ... ``_54e``), because the variants of one
template share their source and sink code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._records import Conversation, Example, Record
from ._base import Task, TaskRecordError, chat, register_task, relabel
from ._cwe_names import describe_cwe

SAFE, VULNERABLE = "safe", "vulnerable"
CODE_FORMATS = (
    "juliet", "devign", "codexglue-defect", "bigvul", "primevul", "diversevul", "purplellama-autocomplete", "jsonl",
)
_CWE_ID = re.compile(r"^CWE-\d+$")
_VARIANT = re.compile(r"_\d+[a-z]?$")


def juliet_template(case_id: str) -> str:
    """A Juliet test case's template: its id without the flow-variant number."""
    return _VARIANT.sub("", case_id)


def _example(record: Record, task: str) -> Example:
    if not isinstance(record, Example):
        raise TaskRecordError(f"task {task!r} reads Example records (code + label), got a {type(record).__name__}")
    case = record.meta.get("case_id")
    if isinstance(case, str) and case and record.group == case:
        return relabel(record, record.label, group=juliet_template(case))
    return record


def record_cwes(meta: Mapping[str, Any]) -> list[str]:
    """The CWE ids a code record's meta names (``cwe`` as a string or a list)."""
    value = meta.get("cwe")
    values = value if isinstance(value, list | tuple) else [value]
    return [v.strip() for v in values if isinstance(v, str) and _CWE_ID.match(v.strip())]


def _adapt_detect(record: Record) -> Example:
    return _example(record, "vuln-detect")


def _detect_answer(example: Example) -> str:
    if example.label == SAFE:
        return "safe: no weakness is flagged in this code."
    cwes = record_cwes(example.meta)
    what = f" It has a {describe_cwe(cwes[0], example.meta)} weakness" if cwes else " It contains a weakness"
    lines = [n for n in example.meta.get("flaw_lines") or [] if isinstance(n, int)]
    where = ""
    if lines:
        where = f" at line {lines[0]}" if len(lines) == 1 else f" at lines {', '.join(map(str, lines[:5]))}"
    return f"vulnerable.{what}{where}."


def _adapt_classify(record: Record) -> Example:
    example = _example(record, "cwe-classify")
    if _CWE_ID.match(example.label):
        return example
    if example.label == SAFE:
        raise TaskRecordError("safe code: no CWE to classify")
    cwes = record_cwes(example.meta)
    if not cwes:
        raise TaskRecordError(f"no CWE id in meta['cwe'] for a {example.label!r} function")
    return relabel(example, cwes[0])


def _classify_conversation(example: Record) -> Conversation:
    if not isinstance(example, Example):
        raise TypeError(f"cwe-classify renders Examples, got a {type(example).__name__}")
    question = "Which CWE weakness does the following code contain? Answer with the CWE id.\n\n" + example.text
    answer = f"{describe_cwe(example.label, example.meta)}."
    lines = [n for n in example.meta.get("flaw_lines") or [] if isinstance(n, int)]
    if lines:
        answer += f" The flaw is at line {lines[0]}."
    return chat(question, answer, example.meta)


VULN_DETECT = register_task(Task(
    name="vuln-detect",
    record_type=Example,
    description="is this function vulnerable? (binary, code in, safe/vulnerable out)",
    labels=(SAFE, VULNERABLE),
    metrics=("accuracy", "f1", "precision", "recall", "mcc", "roc_auc"),
    instruction="Is the following code vulnerable? Answer 'vulnerable' or 'safe'.",
    default_format="juliet",
    formats=CODE_FORMATS,
    group_key="project (repository); Juliet: the test-case template (case id without its flow variant)",
    code=True,
    answer=_detect_answer,
    adapter=_adapt_detect,
))

CWE_CLASSIFY = register_task(Task(
    name="cwe-classify",
    record_type=Example,
    description="which CWE does this vulnerable function contain? (code in, CWE id out; open label set)",
    metrics=("accuracy", "f1_macro", "f1_weighted"),
    instruction="Which CWE weakness does the following code contain? Answer with the CWE id.",
    default_format="juliet",
    formats=CODE_FORMATS,
    group_key="project (repository); Juliet: the test-case template (case id without its flow variant)",
    code=True,
    adapter=_adapt_classify,
    conversation=_classify_conversation,
))
