"""The task registry: what a detection or training task reads and how it renders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .._registry import Registry
from ._records import Conversation, Document, Example, Message, MultipleChoice, Record


@dataclass(frozen=True)
class Task:
    """A named task.

    Attributes:
        name: the registry name (``vuln-detect``).
        record_type: the canonical record type the task consumes.
        labels: the label set for classification tasks (empty otherwise).
        metrics: names of the metrics the task reports.
        instruction: the question asked when an Example is rendered as a conversation.
        describe: renders a record as corpus text.
        default_format: the source format this task is usually read from.
    """

    name: str
    record_type: type
    description: str
    labels: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    instruction: str = ""
    default_format: str = "jsonl"
    answer: Callable[[Example], str] | None = field(default=None, compare=False)

    def label_id(self, label: str) -> int:
        """The class index of ``label``; unknown labels raise with the valid set."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise ValueError(
                f"label {label!r} is not one of task {self.name!r}'s labels: {list(self.labels)}"
            ) from None

    def to_text(self, record: Record) -> str:
        """The corpus view of a record."""
        return record_text(record)

    def to_conversation(self, example: Example) -> Conversation:
        """The conversation view of an Example: instruction + input → answer."""
        answer = self.answer(example) if self.answer else example.label
        return Conversation(
            (Message("user", f"{self.instruction}\n\n{example.text}"), Message("assistant", answer)),
            meta=dict(example.meta),
        )


def record_text(record: Record) -> str:
    """Plain text of any record, for corpus training and de-duplication."""
    if isinstance(record, Document | Example):
        return record.text
    if isinstance(record, Conversation):
        return "\n\n".join(m.content for m in record.messages)
    if isinstance(record, MultipleChoice):
        letters = "ABCDEFGHIJ"
        opts = "\n".join(f"{letters[i]}. {c}" for i, c in enumerate(record.choices))
        return f"{record.question}\n{opts}\nAnswer: {record.answer}"
    raise TypeError(f"not a canonical record: {type(record).__name__}")


TASKS: Registry[Task] = Registry("task")


def register_task(task: Task) -> Task:
    """Add a task to the registry and return it."""
    TASKS.add(task.name, task)
    return task


def get_task(name: str) -> Task:
    """The registered task called ``name``."""
    return TASKS.get(name)


register_task(Task(
    name="corpus",
    record_type=Document,
    description="security prose and code for domain pre-training",
    metrics=("perplexity",),
))

register_task(Task(
    name="instructions",
    record_type=Conversation,
    description="security instruction conversations for instruction tuning",
    metrics=("answer_perplexity",),
))

register_task(Task(
    name="vuln-detect",
    record_type=Example,
    description="is this function vulnerable? (binary, code in, safe/vulnerable out)",
    labels=("safe", "vulnerable"),
    metrics=("accuracy", "f1", "precision", "recall", "mcc", "roc_auc"),
    instruction="Is the following code vulnerable? Answer 'vulnerable' or 'safe'.",
))
