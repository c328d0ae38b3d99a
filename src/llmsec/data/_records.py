"""The canonical record types every source format is parsed into."""

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


@dataclass(frozen=True)
class Preference:
    """A preference judgement for preference tuning (DPO, KTO), in one of two shapes.

    Paired (DPO and KTO): ``prompt``, ``chosen`` and ``rejected``, two answers
    to one prompt, the first preferred. Unpaired (KTO only): ``prompt``,
    ``completion`` and ``label`` (True: a desirable answer). Every text is
    non-empty and a pair's two answers differ.

    Attributes:
        group: what must not straddle a split (a Juliet test case, a CVE, a repository).
        meta: anything else worth keeping (source file, line, CWE, ...).

    Raises:
        ValueError: neither shape, both, an empty text, or a pair whose answers are identical.
    """

    prompt: str
    chosen: str | None = None
    rejected: str | None = None
    completion: str | None = None
    label: bool | None = None
    group: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        paired = self.chosen is not None or self.rejected is not None
        unpaired = self.completion is not None or self.label is not None
        if paired == unpaired:
            raise ValueError("a preference is either (prompt, chosen, rejected) or (prompt, completion, label)")
        texts = {"prompt": self.prompt, **({"chosen": self.chosen, "rejected": self.rejected} if paired
                                            else {"completion": self.completion})}
        for name, value in texts.items():
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"empty {name!r}")
        if paired and self.chosen == self.rejected:
            raise ValueError("'chosen' and 'rejected' are identical: the pair prefers nothing")
        if unpaired and not isinstance(self.label, bool):
            raise ValueError(f"'label' must be true (desirable) or false, got {self.label!r}")

    @property
    def paired(self) -> bool:
        """Whether this is a (prompt, chosen, rejected) pair."""
        return self.chosen is not None


Record = Document | Example | Conversation | MultipleChoice | Preference


def record_to_dict(record: Record) -> dict[str, Any]:
    """A JSON-ready dict of ``record`` (the shape the ``jsonl`` format reads back)."""
    return asdict(record)
