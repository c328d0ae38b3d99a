"""The four canonical record types every source format is parsed into."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Document:
    """Prose or code for domain pre-training."""

    text: str
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    """One item of a detection task.

    Attributes:
        text: the model's input.
        label: the class name (a string, e.g. ``"vulnerable"`` or ``"CWE-79"``).
        group: what must not straddle a split (project, CVE, commit, sender domain).
        time: when the item became known (ISO date), for time splits.
        meta: anything else worth keeping (source file, line, CWE, ...).
    """

    text: str
    label: str
    group: str | None = None
    time: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One turn of a conversation."""

    role: Role
    content: str


@dataclass(frozen=True)
class Conversation:
    """Role/content turns for instruction tuning."""

    messages: tuple[Message, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def as_chat(self) -> list[dict[str, str]]:
        """The turns as the ``[{"role", "content"}]`` list chat templates take."""
        return [{"role": m.role, "content": m.content} for m in self.messages]


@dataclass(frozen=True)
class MultipleChoice:
    """A knowledge-benchmark question.

    Attributes:
        answer: the correct choice letters (``"A"``; several letters when more
            than one choice is right).
    """

    question: str
    choices: tuple[str, ...]
    answer: str
    meta: dict[str, Any] = field(default_factory=dict)


Record = Document | Example | Conversation | MultipleChoice


def record_to_dict(record: Record) -> dict[str, Any]:
    """A JSON-ready dict of ``record`` (the shape the ``jsonl`` format reads back)."""
    return asdict(record)
