"""Domain pre-training and instruction tuning: the ``corpus`` and ``instructions`` tasks."""

from __future__ import annotations

from .._records import Conversation, Document, Record
from ._base import Task, TaskRecordError, record_text, register_task


def _as_document(record: Record) -> Document:
    """Any record as a Document of its plain text (Documents as they are)."""
    if isinstance(record, Document):
        return record
    text = record_text(record)
    if not text.strip():
        raise TaskRecordError("empty text")
    return Document(text, source=str(getattr(record, "meta", {}).get("source", "")), meta=dict(record.meta))


def _as_conversation(record: Record) -> Conversation:
    if not isinstance(record, Conversation):
        raise TaskRecordError(
            f"task 'instructions' reads Conversation records, got a {type(record).__name__} "
            "(render Examples through their own task's conversation view instead)"
        )
    if not any(m.role == "assistant" for m in record.messages):
        raise TaskRecordError("conversation without an assistant turn")
    return record


CORPUS = register_task(Task(
    name="corpus",
    record_type=Document,
    description="security prose and code for domain pre-training (any record, as plain text)",
    metrics=("perplexity", "bits_per_byte"),
    kind="corpus",
    default_format="text",
    formats=("text", "cwe-xml", "cwe-csv", "attack-stix", "nvd", "ctibench-taa", "jsonl"),
    group_key="the source document (meta['group'] when set; else every document is its own group)",
    views=("corpus",),
    adapter=_as_document,
))

INSTRUCTIONS = register_task(Task(
    name="instructions",
    record_type=Conversation,
    description="security instruction conversations for instruction tuning",
    metrics=("answer_perplexity",),
    kind="instructions",
    formats=("jsonl",),
    group_key="meta['group'] when set (e.g. the record a conversation was built from)",
    views=("conversation", "corpus"),
    adapter=_as_conversation,
))
