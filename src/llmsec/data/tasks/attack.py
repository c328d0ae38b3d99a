"""MITRE ATT&CK: ``attack-technique`` (technique description or CTI report -> technique ids).

Reads ATT&CK STIX bundles (one Document per technique: the model sees the
description without the id and name, and answers the technique id) and the
CTIBench CTI-ATE sheet (a threat report -> the sorted technique ids). The
conversation view of a technique goes the other way, technique -> description,
tactics and mitigations, which is the instruction data ATT&CK offers.
"""

from __future__ import annotations

import re
from typing import Any

from .._records import Conversation, Document, Example, Record
from ._answers import TECHNIQUE_ANSWERS
from ._base import Task, TaskRecordError, chat, register_task

_TECHNIQUES = re.compile(r"^T\d{4}(\.\d{3})?(, T\d{4}(\.\d{3})?)*$")


def _strip_heading(text: str, technique: str, name: str | None) -> str:
    """The description without its ``"T1055.011: Extra Window Memory Injection. "`` heading."""
    head = f"{technique}: {name}." if name else f"{technique}:"
    return text[len(head):].strip() if text.startswith(head) else text


def _adapt(record: Record) -> Example:
    if isinstance(record, Example):
        if not _TECHNIQUES.match(record.label):
            raise TaskRecordError(f"label {record.label[:40]!r} is not a list of ATT&CK technique ids")
        return record
    if isinstance(record, Document):
        meta = record.meta
        technique = meta.get("technique_id")
        if not isinstance(technique, str) or not _TECHNIQUES.match(technique):
            raise TaskRecordError("document without an ATT&CK technique_id in meta")
        text = _strip_heading(record.text, technique, meta.get("name"))
        if not text:
            raise TaskRecordError(f"technique {technique} has no description")
        group = meta.get("parent_id") or technique.split(".")[0]
        return Example(text, technique, group=str(group), meta={**meta, "source": record.source})
    raise TaskRecordError(f"task 'attack-technique' reads ATT&CK Documents or Examples, got a {type(record).__name__}")


def _listing(items: Any, key: str | None = None) -> list[str]:
    if not isinstance(items, list | tuple):
        return []
    out = []
    for item in items:
        if isinstance(item, dict) and key:
            out.append(" ".join(str(item[k]) for k in ("id", "name") if item.get(k)))
        elif isinstance(item, str) and item and item != "None":
            out.append(item)
    return [o for o in out if o]


def _conversation(record: Record) -> Conversation:
    if not isinstance(record, Example):
        raise TypeError(f"attack-technique renders Examples, got a {type(record).__name__}")
    meta = record.meta
    name = meta.get("name")
    if "technique_id" in meta and isinstance(name, str):
        question = f"Describe the MITRE ATT&CK technique {record.label} ({name}): what does the adversary do?"
        answer = record.text
        tactics = _listing(meta.get("tactics"))
        if tactics:
            answer += f"\n\nTactics: {', '.join(tactics)}."
        mitigations = _listing(meta.get("mitigations"), key="id")
        if mitigations:
            answer += f"\nMitigations: {'; '.join(mitigations)}."
        return chat(question, answer, meta)
    question = (
        "Which MITRE ATT&CK techniques does this threat report describe? "
        "Answer with the technique ids, comma-separated.\n\n" + record.text
    )
    return chat(question, record.label, meta)


def _corpus(record: Record) -> str:
    if not isinstance(record, Example):
        raise TypeError(f"expected an Example, got a {type(record).__name__}")
    name = record.meta.get("name")
    return f"{record.label}: {name}. {record.text}" if "technique_id" in record.meta and name else record.text


ATTACK_TECHNIQUE = register_task(Task(
    name="attack-technique",
    record_type=Example,
    description="ATT&CK technique description (or CTI report) -> technique id(s); open label set",
    metrics=("accuracy", "technique_f1", "technique_precision", "technique_recall"),
    instruction="Which MITRE ATT&CK technique does this describe? Answer with the technique id(s).",
    kind="generation",
    default_format="attack-stix",
    formats=("attack-stix", "ctibench-ate", "jsonl"),
    group_key="technique family (the parent technique, T1055 for T1055.011); CTI-ATE: the report's source page",
    adapter=_adapt,
    conversation=_conversation,
    corpus=_corpus,
    answers=TECHNIQUE_ANSWERS,
    max_new_tokens=64,
    main_metric="technique_f1",
    aliases=("cti-ate", "ate"),
))
