"""Canonical records as JSON lines: llmsec's own interchange format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._records import Conversation, Document, Example, Message, MultipleChoice, Record
from .._report import LoadReport
from ._registry import register_format
from ._source import MAX_JSON_DEPTH, counted_lines, json_depth_error, open_source

_ROLES = {"system", "user", "assistant"}


def record_from_dict(obj: dict[str, Any]) -> Record:
    """Build the canonical record a dict describes; its keys pick the type.

    ``messages`` makes a Conversation, ``choices`` a MultipleChoice, ``prompt`` a
    Preference, ``label`` an Example, and ``text`` alone a Document.

    Raises:
        ValueError: the dict is not a valid record (the message says why).
    """
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise ValueError("'meta' must be an object")
    if "messages" in obj:
        turns = obj["messages"]
        if not isinstance(turns, list) or not turns:
            raise ValueError("'messages' must be a non-empty list")
        messages = []
        for i, turn in enumerate(turns):
            if not isinstance(turn, dict) or turn.get("role") not in _ROLES:
                raise ValueError(f"message {i} needs a role in {sorted(_ROLES)}")
            content = turn.get("content")
            if not isinstance(content, str) or not content.strip():
                raise ValueError(f"message {i} has empty content")
            messages.append(Message(turn["role"], content))
        if not any(m.role == "assistant" for m in messages):
            raise ValueError("conversation has no assistant turn to learn from")
        return Conversation(tuple(messages), meta)
    if "choices" in obj:
        choices = obj["choices"]
        answer = obj.get("answer")
        if not isinstance(choices, list) or len(choices) < 2:
            raise ValueError("'choices' must list at least two options")
        if not isinstance(answer, str) or not answer:
            raise ValueError("'answer' must be the correct letter(s)")
        return MultipleChoice(_text(obj, "question"), tuple(map(str, choices)), answer, meta)
    if "prompt" in obj:
        from .preference import preference_from_dict

        return preference_from_dict(obj)
    text = _text(obj, "text")
    if "label" in obj:
        label = obj["label"]
        if label is None or str(label).strip() == "":
            raise ValueError("empty 'label'")
        return Example(text, str(label), obj.get("group"), obj.get("time"), meta)
    return Document(text, str(obj.get("source") or ""), meta)


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise ValueError(f"missing or non-string {key!r}")
    if not value.strip():
        raise ValueError(f"empty {key!r}")
    return value


@register_format("jsonl", record=Record, description="canonical llmsec records, one JSON object a line")
def load_jsonl(path: Path, report: LoadReport) -> Iterator[Record]:
    """Read canonical records from a JSON-lines file (blank lines are skipped).

    A line longer than ``MAX_LINE_BYTES`` or nested deeper than ``MAX_JSON_DEPTH`` is
    a rejected record; ``report.lines`` counts the physical lines.
    """
    with open_source(path) as fh:
        for lineno, raw in counted_lines(fh, path, report):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
                if not isinstance(obj, dict):
                    raise ValueError("line is not a JSON object")
                too_deep = json_depth_error(obj)
                if too_deep:
                    raise ValueError(too_deep)
                record = record_from_dict(obj)
            except RecursionError:
                report.reject(str(path), lineno, "JSON nested deeper than the parser's recursion limit "
                                                 f"(limit MAX_JSON_DEPTH is {MAX_JSON_DEPTH})")
                continue
            except UnicodeDecodeError:
                report.reject(str(path), lineno, "not valid UTF-8")
                continue
            except json.JSONDecodeError as exc:
                report.reject(str(path), lineno, f"invalid JSON ({exc.msg})")
                continue
            except ValueError as exc:
                report.reject(str(path), lineno, str(exc))
                continue
            report.accept()
            yield record
