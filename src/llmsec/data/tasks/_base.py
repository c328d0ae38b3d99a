"""The Task type and its registry: what a task reads, its labels and metrics, how it renders.

A task turns any record it accepts into its own canonical record (:meth:`Task.adapt`:
e.g. an NVD CVE into an ``Example`` labelled with its CVSS vector for
``cvss-predict``) and renders that record into the three training views: corpus
text (:meth:`Task.to_text`), a conversation (:meth:`Task.to_conversation`) and a
(text, label) pair (:meth:`Task.to_pair`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..._registry import Registry
from .._records import Conversation, Document, Example, Message, MultipleChoice, Preference, Record
from ._answers import Answers

View = Literal["pair", "conversation", "corpus"]
VIEWS: tuple[View, ...] = ("pair", "conversation", "corpus")
TaskKind = Literal["classification", "generation", "multiple-choice", "corpus", "instructions"]

_LETTERS = "ABCDEFGHIJ"
MCQ_INSTRUCTION = "Answer with the letter of the correct choice."


class TaskRecordError(ValueError):
    """A record cannot serve a task (the message is the reason, counted by ``prepare``)."""


@dataclass(frozen=True)
class Task:
    """A named task.

    Attributes:
        name: the registry name (``vuln-detect``).
        record_type: the canonical record type the task works on (after :meth:`adapt`).
        description: one line for ``llmsec data tasks``.
        labels: the label set of a classification task; empty for open sets
            (taken from the data) and for non-classification tasks.
        metrics: names of the metrics the task reports: each one is registered in the metric
            registry (``llmsec.eval.METRICS``) and computed and reported by ``evaluate``.
        instruction: the question asked when an Example is rendered as a conversation
            (and by zero-shot evaluation).
        default_format: the source format this task is usually read from.
        answer: the assistant's answer for an (adapted) Example; default: its label.
        kind: ``classification``, ``generation``, ``multiple-choice``, ``corpus`` or ``instructions``.
        formats: the source formats the task reads naturally (``default_format`` first).
        group_key: what ``group`` means for this task: what must not straddle a split.
        views: the views the task renders (``pair``, ``conversation``, ``corpus``).
        code: the input is code: de-duplicated, and checked for contamination, as code
            (comments dropped, case kept).
        adapter: turns an accepted record into the task's record, raising
            :class:`TaskRecordError` with the reason when it cannot; must be idempotent.
        corpus: renders an adapted record as corpus text (default :func:`record_text`).
        conversation: renders an adapted record as a conversation (default: the
            instruction and the text, then :attr:`answer`).
        pair_text: the model input of an adapted record in the (text, label) view
            (default: its text).
        prompt: the question asked about an adapted record, in training conversations and at
            evaluation alike (default: the record's own benchmark prompt, ``meta['prompt']``, when
            it has one, else :attr:`instruction` and the text; see :meth:`prompt_text`).
        answers: how a generated answer is extracted and scored (:class:`Answers`); set, the
            task is evaluated by generation (unless a checkpoint brings a classification head).
        max_new_tokens: the answer length when the task is evaluated by generation.
        main_metric: the metric a result is judged by (default: the first of :attr:`metrics`).
        aliases: other names the task is found by (``cti-rcm`` for ``cve-to-cwe``).
        breakdown: ``item rows -> {table: {group: {metric: value}}}``, per-group tables a generation
            result carries as ``breakdown`` and its report shows (``secure-code``: per language, per CWE).
    """

    name: str
    record_type: type
    description: str
    labels: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    instruction: str = ""
    default_format: str = "jsonl"
    answer: Callable[[Example], str] | None = field(default=None, compare=False, repr=False)
    kind: TaskKind = "classification"
    formats: tuple[str, ...] = ()
    group_key: str = "meta['group'] when the source sets one"
    views: tuple[View, ...] = VIEWS
    code: bool = False
    adapter: Callable[[Record], Record] | None = field(default=None, compare=False, repr=False)
    corpus: Callable[[Record], str] | None = field(default=None, compare=False, repr=False)
    conversation: Callable[[Record], Conversation] | None = field(default=None, compare=False, repr=False)
    pair_text: Callable[[Record], str] | None = field(default=None, compare=False, repr=False)
    prompt: Callable[[Record], str] | None = field(default=None, compare=False, repr=False)
    answers: Answers | None = field(default=None, compare=False, repr=False)
    max_new_tokens: int = 64
    main_metric: str = ""
    aliases: tuple[str, ...] = ()
    breakdown: Callable[[Sequence[Mapping[str, Any]]], dict[str, Any]] | None = field(default=None, compare=False,
                                                                                       repr=False)

    def __post_init__(self) -> None:
        bad = [v for v in self.views if v not in VIEWS]
        if bad:
            raise ValueError(f"task {self.name!r}: unknown views {bad}; views are {list(VIEWS)}")
        if not self.formats:
            object.__setattr__(self, "formats", (self.default_format,))
        if not self.main_metric and self.metrics:
            object.__setattr__(self, "main_metric", self.metrics[0])
        if self.main_metric and self.main_metric not in self.metrics:
            raise ValueError(f"task {self.name!r}: main_metric {self.main_metric!r} is not one of its metrics "
                             f"{list(self.metrics)}")

    @property
    def generates(self) -> bool:
        """True when the task can be scored from generated text (it has :attr:`answers`)."""
        return self.answers is not None

    @property
    def open_labels(self) -> bool:
        """True when the label set comes from the data (a classification task without ``labels``)."""
        return not self.labels

    def label_id(self, label: str, labels: tuple[str, ...] | list[str] | None = None) -> int:
        """The class index of ``label`` in the task's labels (or ``labels`` for an open set)."""
        valid = tuple(labels) if labels is not None else self.labels
        try:
            return valid.index(label)
        except ValueError:
            hint = " (an open label set: pass the labels seen in the data)" if not valid else ""
            raise ValueError(
                f"label {label!r} is not one of task {self.name!r}'s labels: {list(valid)}{hint}"
            ) from None

    def adapt(self, record: Record) -> Record:
        """The task's own record for ``record``.

        Raises:
            TaskRecordError: the record cannot serve this task (wrong type, a label
                outside the task's labels, a missing field); the message says why.
        """
        if self.adapter is not None:
            out = self.adapter(record)
        elif isinstance(record, self.record_type):
            out = record
        else:
            raise TaskRecordError(
                f"task {self.name!r} reads {self.record_type.__name__} records, got a {type(record).__name__}"
            )
        if self.labels and isinstance(out, Example) and out.label not in self.labels:
            raise TaskRecordError(f"label {out.label!r} is not one of {list(self.labels)}")
        return out

    def _check_view(self, view: View) -> None:
        if view not in self.views:
            raise ValueError(f"task {self.name!r} has no {view!r} view; its views are {list(self.views)}")

    def to_text(self, record: Record) -> str:
        """The corpus view of a record."""
        self._check_view("corpus")
        adapted = self.adapt(record)
        return self.corpus(adapted) if self.corpus else record_text(adapted)

    def prompt_text(self, record: Record) -> str:
        """The question asked about ``record``: the one prompt training and evaluation share.

        A record that carries its benchmark's own prompt (``meta['prompt']``, as CTIBench
        rows do) is asked exactly that, so a model trained here is trained on the prompt it
        is scored with; otherwise the task's :attr:`prompt` renders it, else its instruction
        and text (a multiple-choice question: the question, lettered choices and instruction).
        """
        adapted = self.adapt(record)
        own = getattr(adapted, "meta", {}).get("prompt")
        if own:
            return str(own)
        if self.prompt is not None:
            return self.prompt(adapted)
        if isinstance(adapted, MultipleChoice):
            return f"{mcq_prompt(adapted)}\n\n{self.instruction or MCQ_INSTRUCTION}"
        if isinstance(adapted, Example | Document):
            return f"{self.instruction}\n\n{adapted.text}" if self.instruction else adapted.text
        raise ValueError(f"task {self.name!r} asks no question about a {type(adapted).__name__}")

    def to_conversation(self, record: Record) -> Conversation:
        """The conversation view: instruction data built from the record."""
        self._check_view("conversation")
        adapted = self.adapt(record)
        if self.conversation is not None:
            return self.conversation(adapted)
        if isinstance(adapted, Conversation):
            return adapted
        if isinstance(adapted, MultipleChoice):
            return chat(self.prompt_text(adapted), mcq_answer(adapted), adapted.meta)
        if isinstance(adapted, Example):
            answer = self.answer(adapted) if self.answer else adapted.label
            return chat(self.prompt_text(adapted), answer, adapted.meta)
        raise ValueError(f"task {self.name!r} cannot render a {type(adapted).__name__} as a conversation")

    def to_pair(self, record: Record) -> tuple[str, str]:
        """The (text, label) view: the model's input and the expected label."""
        self._check_view("pair")
        adapted = self.adapt(record)
        if isinstance(adapted, MultipleChoice):
            text = self.pair_text(adapted) if self.pair_text else mcq_prompt(adapted)
            return text, adapted.answer
        if not isinstance(adapted, Example):
            raise ValueError(f"task {self.name!r}: a {type(adapted).__name__} has no label for the pair view")
        return (self.pair_text(adapted) if self.pair_text else adapted.text), adapted.label


def record_text(record: Record) -> str:
    """Plain text of any record, for corpus training and de-duplication."""
    if isinstance(record, Document | Example):
        return record.text
    if isinstance(record, Conversation):
        return "\n\n".join(m.content for m in record.messages)
    if isinstance(record, MultipleChoice):
        return f"{mcq_prompt(record)}\nAnswer: {record.answer}"
    if isinstance(record, Preference):  # the prompt and every answer: what a preference stage trained on
        answers = (record.chosen, record.rejected) if record.paired else (record.completion,)
        return "\n\n".join([record.prompt, *map(str, answers)])
    raise TypeError(f"not a canonical record: {type(record).__name__}")


def mcq_prompt(record: MultipleChoice) -> str:
    """The question and its lettered choices."""
    opts = "\n".join(f"{_LETTERS[i]}. {c}" for i, c in enumerate(record.choices))
    return f"{record.question}\n{opts}"


def mcq_choice(record: MultipleChoice, letter: str) -> str:
    """One choice as an answer names it: its letter and its text (``B. SQL injection``)."""
    i = _LETTERS.find(letter)
    return f"{letter}. {record.choices[i]}" if 0 <= i < len(record.choices) else letter


def mcq_answer(record: MultipleChoice) -> str:
    """The correct answer of a question: each correct letter with its text, one a line."""
    return "\n".join(mcq_choice(record, letter) for letter in record.answer)


def mcq_conversation(record: MultipleChoice) -> Conversation:
    """Question and choices -> the correct letter(s) with their text."""
    return chat(f"{mcq_prompt(record)}\n\n{MCQ_INSTRUCTION}", mcq_answer(record), record.meta)


def chat(user: str, assistant: str, meta: dict[str, Any]) -> Conversation:
    """A two-turn conversation."""
    return Conversation((Message("user", user), Message("assistant", assistant)), meta=dict(meta))


def relabel(example: Example, label: str, **changes: Any) -> Example:
    """``example`` with a new label (the old one kept in meta as ``source_label``)."""
    if label == example.label and not changes:
        return example
    meta = dict(example.meta)
    if label != example.label:
        meta.setdefault("source_label", example.label)
    return replace(example, label=label, meta=meta, **changes)


TASKS: Registry[Task] = Registry("task")


def register_task(task: Task) -> Task:
    """Add a task (and its :attr:`~Task.aliases`) to the registry and return it."""
    TASKS.add(task.name, task)
    for alias in task.aliases:
        TASKS.add_alias(alias, task.name)
    return task


def get_task(name: str) -> Task:
    """The registered task called ``name`` (or one of its aliases)."""
    return TASKS.get(name)
