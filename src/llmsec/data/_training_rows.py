"""Training rows: records rendered as what a trainer consumes (corpus text, prompt/completion chat rows,
(text, label) pairs), one function per task view.

Packing the corpus view into blocks is streamed to disk by ``llmsec.train`` (``_corpus.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from ._records import Conversation, Example, Message, MultipleChoice, Preference, Record
from ._report import EmptyDatasetError
from ._tasks import Task, record_text


def conversation_records(records: Sequence[Record], task: Task | None = None) -> list[Conversation]:
    """Conversations from records: Conversations as they are, Examples and multiple-choice questions
    through ``task`` (its prompt and answer, as evaluation asks them), preference pairs as their prompt
    and chosen answer (supervised tuning on the preferred answers, before preference tuning)."""
    out = []
    for record in records:
        if isinstance(record, Conversation):
            out.append(record)
        elif isinstance(record, Preference) and record.paired:
            out.append(Conversation((Message("user", record.prompt), Message("assistant", str(record.chosen))),
                                    dict(record.meta)))
        elif isinstance(record, Example | MultipleChoice) and task is not None:
            out.append(task.to_conversation(record))
        else:
            kind = type(record).__name__
            hint = " (set the stage's task to render Examples as conversations)" if task is None else ""
            raise ValueError(f"instruction tuning needs conversations, got a {kind}{hint}")
    return out


def prompt_completion_rows(
    conversations: Sequence[Conversation], system_prompt: str | None = None
) -> list[dict[str, list[dict[str, str]]]]:
    """One conversational prompt/completion row per assistant turn.

    The prompt holds every turn before the assistant's answer, so the loss
    falls on assistant turns only, whatever the chat template.
    """
    rows = []
    for conv in conversations:
        chat = conv.as_chat()
        if system_prompt and chat[0]["role"] != "system":
            chat = [{"role": "system", "content": system_prompt}, *chat]
        for i, turn in enumerate(chat):
            if turn["role"] == "assistant" and i > 0:
                rows.append({"prompt": chat[:i], "completion": [turn]})
    if not rows:
        raise EmptyDatasetError("no assistant turn to learn from in the conversations")
    return rows


def classification_rows(
    records: Sequence[Record], labels: Sequence[str]
) -> tuple[list[str], list[int]]:
    """(texts, label ids) for a classifier; labels outside ``labels`` raise with the valid set."""
    texts, ids = [], []
    index = {label: i for i, label in enumerate(labels)}
    for record in records:
        if not isinstance(record, Example):
            raise ValueError(f"a detection task needs Examples, got a {type(record).__name__}")
        if record.label not in index:
            raise ValueError(f"label {record.label!r} is not one of the task's labels: {list(labels)}")
        texts.append(record.text)
        ids.append(index[record.label])
    return texts, ids


def corpus_texts(records: Sequence[Record]) -> list[str]:
    """The corpus view: plain text of every record."""
    return [record_text(r) for r in records]
