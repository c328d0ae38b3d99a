"""Table rows -> canonical records, through a ``columns`` mapping (canonical field -> source column).

The fields a mapping may name, and the record they make:

- ``messages`` (a list of ``{role, content}``): a Conversation;
- ``prompt`` and ``answer`` (or ``completion``), optionally ``system``: a two-turn Conversation;
- ``question``, ``choices`` and ``answer``: a MultipleChoice (an integer answer is a choice's index);
- ``text`` (or ``code``) and ``label``: an Example, with ``group`` and ``time`` when mapped;
- ``text`` (or ``code``) alone: a Document (``source`` when mapped).

``meta`` maps to a list of columns kept in the record's ``meta``. Without a mapping,
the columns named like a field are used (a ``text,label`` table is read as it is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._records import Conversation, Document, Example, Message, MultipleChoice, Record
from ._registry import FormatError

#: The canonical fields a ``columns`` mapping may name.
FIELDS = ("text", "code", "label", "group", "time", "source", "question", "choices", "answer", "prompt",
          "completion", "system", "messages", "meta")
_ROLES = {"system", "user", "assistant"}


class Columns:
    """A checked ``columns`` mapping, bound to one table's column names.

    Args:
        mapping: canonical field -> source column (``meta``: a list of columns); None: the
            columns named like a field.
        where: the table, for error messages.
        labels: label names: a list (a label value is an index into it) or a mapping
            (label value -> name), e.g. ``[safe, vulnerable]`` for 0/1 targets.
    """

    def __init__(self, mapping: Mapping[str, Any] | None, where: str,
                 labels: Sequence[str] | Mapping[Any, str] | None = None) -> None:
        self.where = where
        if labels is not None and not isinstance(labels, Mapping | list | tuple):
            raise FormatError(f"labels must be a list (index -> name) or a mapping (value -> name), got {labels!r}")
        self.relabel = ({str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping)
                        else {str(i): str(v) for i, v in enumerate(labels or ())})
        self.given = dict(mapping) if mapping is not None else None
        if self.given is not None:
            if not isinstance(mapping, Mapping):
                raise FormatError(f"columns must map record fields to column names, got {mapping!r}")
            unknown = sorted(set(self.given) - set(FIELDS))
            if unknown:
                raise FormatError(f"columns names unknown record field(s) {unknown}; the fields are: "
                                  + ", ".join(FIELDS))
            if "text" in self.given and "code" in self.given:
                raise FormatError("columns maps both text and code; map one (code is the text of a code record)")
        self.map: dict[str, str] = {}
        self.meta: list[str] = []
        self.labels: dict[str, list[str]] = {}

    def bind(self, names: Sequence[str], class_labels: Mapping[str, list[str]] | None = None) -> None:
        """Resolve the mapping against a table's ``names``; ``class_labels``: column -> label names.

        Raises:
            FormatError: a mapped column is missing, or no column maps to a record field.
        """
        if self.given is None:
            found = {f: f for f in FIELDS if f in names and f != "meta"}
            meta: list[str] = []
        else:
            found = {k: str(v) for k, v in self.given.items() if k != "meta"}
            raw_meta = self.given.get("meta") or []
            meta = [raw_meta] if isinstance(raw_meta, str) else [str(m) for m in raw_meta]
            missing = [c for c in [*found.values(), *meta] if c not in names]
            if missing:
                raise FormatError(f"{self.where}: no column {missing} (columns mapping); the table's columns: "
                                  + ", ".join(list(names)[:30]))
        if "code" in found:
            found["text"] = found.pop("code")
        if not ({"text", "messages", "prompt"} & set(found) or {"question", "choices"} <= set(found)):
            raise FormatError(
                f"{self.where}: no column maps to a record's text; its columns: {', '.join(list(names)[:30])}. "
                "Give a mapping, e.g. columns: {text: COLUMN, label: COLUMN}"
            )
        self.map, self.meta = found, meta
        self.labels = {c: list(v) for c, v in (class_labels or {}).items()}

    def _get(self, row: Mapping[str, Any], name: str) -> Any:
        column = self.map.get(name)
        if column is None:
            return None
        value = row.get(column)
        if isinstance(value, int) and not isinstance(value, bool) and column in self.labels:
            names = self.labels[column]
            if not 0 <= value < len(names):
                raise ValueError(f"{column!r} is {value}, not a class index below {len(names)}")
            value = names[value]
        return value

    def record(self, row: Mapping[str, Any], where: Mapping[str, Any]) -> Record:
        """The record one row makes; ``where`` (file, row) goes into its meta.

        Raises:
            ValueError: the row cannot make a record (the message is the rejection reason).
        """
        meta = {**{c: row.get(c) for c in self.meta}, **where}
        if "messages" in self.map:
            return Conversation(_messages(self._get(row, "messages")), meta)
        if "prompt" in self.map:
            answer = self._get(row, "answer") if "answer" in self.map else self._get(row, "completion")
            turns = [Message("user", _text(self._get(row, "prompt"), "prompt")),
                     Message("assistant", _text(answer, "answer"))]
            system = self._get(row, "system")
            if system not in (None, ""):
                turns.insert(0, Message("system", str(system)))
            return Conversation(tuple(turns), meta)
        if "choices" in self.map:
            choices = self._get(row, "choices")
            if not isinstance(choices, list | tuple) or len(choices) < 2:
                raise ValueError(f"'choices' must list at least two options, got {_short(choices)}")
            answer = self._get(row, "answer")
            if isinstance(answer, int) and not isinstance(answer, bool):
                if not 0 <= answer < len(choices):
                    raise ValueError(f"answer index {answer} is not one of the {len(choices)} choices")
                answer = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[answer]
            return MultipleChoice(_text(self._get(row, "question"), "question"), tuple(map(str, choices)),
                                  _text(answer, "answer").strip(), meta)
        text = _text(self._get(row, "text"), self.given.get("code", "text") if self.given else "text")
        if "label" in self.map:
            label = self._get(row, "label")
            if label is None or str(label).strip() == "":
                raise ValueError("empty 'label'")
            if self.relabel:
                if str(label) not in self.relabel:
                    raise ValueError(f"label {label!r} is not one the labels option names ({', '.join(self.relabel)})")
                label = self.relabel[str(label)]
            group, time = self._get(row, "group"), self._get(row, "time")
            return Example(text, str(label), None if group in (None, "") else str(group),
                           None if time in (None, "") else str(time), meta)
        return Document(text, str(self._get(row, "source") or where.get("file", "")), meta)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name!r} is not a string ({_short(value)})")
    if not value.strip():
        raise ValueError(f"empty {name!r}")
    return value


def _messages(turns: Any) -> tuple[Message, ...]:
    if not isinstance(turns, list | tuple) or not turns:
        raise ValueError("'messages' must be a non-empty list")
    out = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, Mapping) or turn.get("role") not in _ROLES:
            raise ValueError(f"message {i} needs a role in {sorted(_ROLES)}")
        out.append(Message(str(turn["role"]), _text(turn.get("content"), f"message {i} content")))
    if not any(m.role == "assistant" for m in out):
        raise ValueError("conversation has no assistant turn to learn from")
    return tuple(out)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
