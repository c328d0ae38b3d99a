"""Vulnerable-function datasets as ``Example(text=code, label="vulnerable"|"safe")``.

Formats: ``devign`` (``function.json``), ``codexglue-defect`` (jsonl),
``bigvul`` (``MSR_data_cleaned.csv``), ``primevul`` (jsonl, paired files
included), ``diversevul`` (jsonl) and ``purplellama-autocomplete``
(CyberSecEval's autocomplete set: insecure snippets only, all ``vulnerable``).

``group`` is what must not straddle a split: by default the CVE where the
dataset has one, else the commit, else the project; ``group_by="project"``
(or ``"commit"``, ``"cve"``) forces one. ``meta`` keeps ``cwe`` (a list),
``project``, ``commit``, ``cve``, ``func_name``, ``idx`` and, for PrimeVul's
paired files, ``pair`` (consecutive lines form a vulnerable/patched pair).

A record is rejected when its code is empty or its label is not 0/1
(``NaN``, ``"yes"``, 2, ...). BigVul rows yield the function before the fix
(``func_before``); the patched ``func_after`` is kept in meta for vulnerable rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._records import Example
from .._report import LoadReport
from ._jsonstream import iter_json_lines, load_document, stream_array
from ._registry import FormatError, register_format
from ._rows import build_each, dict_rows

VULNERABLE, SAFE = "vulnerable", "safe"
_GROUP_KEYS = ("cve", "commit", "project")
_CALL = re.compile(r"(?<![\w:~])([A-Za-z_~][\w:~]*+)\s*+\(")  # starts at a word start, no backtracking: linear
_MISSING = {"", "None", "none", "nan", "NaN", "null"}
_NOT_NAMES = {"if", "while", "for", "switch", "return", "sizeof", "catch", "defined"}


def label_of(value: Any) -> str:
    """``"vulnerable"`` / ``"safe"`` for a 0/1 target (int, bool, float or digit string).

    Raises:
        ValueError: anything else (the message names the value).
    """
    if isinstance(value, bool):
        return VULNERABLE if value else SAFE
    if isinstance(value, float) and math.isfinite(value) and value in (0.0, 1.0):
        value = int(value)
    if isinstance(value, str) and value.strip() in ("0", "1", "0.0", "1.0"):
        value = int(float(value.strip()))
    if isinstance(value, int) and value in (0, 1):
        return VULNERABLE if value else SAFE
    raise ValueError(f"unknown label {value!r} (expected 0 or 1)")


def function_name(code: str) -> str | None:
    """The name of the first function defined in ``code`` (C-like syntax), or None."""
    head = code.split("{", 1)[0]
    names = [n for n in _CALL.findall(head) if n.split("::")[-1] not in _NOT_NAMES]
    return names[0] if names else None


def _cwes(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [v.strip() for v in value if isinstance(v, str) and v.strip() and v.strip().lower() != "nan"]


def _check_group_by(group_by: str | None) -> None:
    if group_by is not None and group_by not in _GROUP_KEYS:
        raise ValueError(f"group_by={group_by!r} is not one of {_GROUP_KEYS}; leave it unset for the default")


def _example(code: Any, label: Any, group_by: str | None, **meta: Any) -> Example:
    """The Example for one function; raise ValueError when it is not usable."""
    if not isinstance(code, str) or not code.strip():
        raise ValueError("empty code")
    meta = {k: (None if isinstance(v, str) and v.strip() in _MISSING else v) for k, v in meta.items()}
    meta.setdefault("func_name", function_name(code))
    keys = (group_by,) if group_by else _GROUP_KEYS
    group = next((str(meta[k]) for k in keys if meta.get(k) not in (None, "")), None)
    return Example(code, label_of(label), group=group, meta=meta)


def _jsonl(path: Path, report: LoadReport, build: Any) -> Iterator[Example]:
    yield from build_each(path, report, iter_json_lines(path, report), build, errors=(ValueError, TypeError))


@register_format("devign", record=Example, description="Devign function.json (project, commit_id, target, func)")
def load_devign(path: Path, report: LoadReport, group_by: str | None = None) -> Iterator[Example]:
    """Devign's ``function.json``: one JSON array of ``{project, commit_id, target, func}``.

    It is streamed; a truncated array raises :class:`FormatError` (see
    :mod:`._jsonstream`). ``line`` in a rejection is the item's position.
    """
    _check_group_by(group_by)

    def build(n: int, obj: Any) -> Example:
        if not isinstance(obj, dict):
            raise ValueError("item is not a JSON object")
        return _example(obj.get("func"), obj.get("target"), group_by, idx=n - 1,
                        project=obj.get("project"), commit=obj.get("commit_id"), cwe=[])

    yield from build_each(path, report, enumerate((obj for _, obj in stream_array(path, None)), start=1), build)


@register_format("codexglue-defect", record=Example, description="CodeXGLUE defect-detection jsonl (Devign split)")
def load_codexglue(path: Path, report: LoadReport, group_by: str | None = None) -> Iterator[Example]:
    """CodeXGLUE Defect-detection ``train/valid/test.jsonl``: ``{project, commit_id, target, func, idx}``."""
    _check_group_by(group_by)
    return _jsonl(path, report, lambda _, o: _example(
        o.get("func"), o.get("target"), group_by, idx=o.get("idx"), project=o.get("project"),
        commit=o.get("commit_id"), cwe=[]))


@register_format("primevul", record=Example, description="PrimeVul jsonl, paired files included")
def load_primevul(
    path: Path, report: LoadReport, group_by: str | None = None, paired: bool | None = None
) -> Iterator[Example]:
    """PrimeVul jsonl (``idx, project, commit_id, target, func, cwe, cve, file_name, ...``).

    Args:
        paired: the file is a ``*_paired.jsonl`` (each two consecutive lines are
            the vulnerable and the patched version of one function; ``meta["pair"]``
            numbers them from 1). None guesses from ``paired`` in the file name.
    """
    _check_group_by(group_by)
    paired = "paired" in path.name if paired is None else paired

    def build(line: int, o: dict[str, Any]) -> Example:
        extra = {"pair": (line + 1) // 2} if paired else {}
        return _example(o.get("func"), o.get("target"), group_by, idx=o.get("idx"), project=o.get("project"),
                        commit=o.get("commit_id"), cve=o.get("cve"), cwe=_cwes(o.get("cwe")),
                        file_name=o.get("file_name"), **extra)

    return _jsonl(path, report, build)


@register_format("diversevul", record=Example, description="DiverseVul jsonl (func, target, cwe, project, commit_id)")
def load_diversevul(path: Path, report: LoadReport, group_by: str | None = None) -> Iterator[Example]:
    """DiverseVul jsonl: ``{func, target, cwe: [...], project, commit_id, hash, size, message}``."""
    _check_group_by(group_by)
    return _jsonl(path, report, lambda line, o: _example(
        o.get("func"), o.get("target"), group_by, idx=line - 1, project=o.get("project"),
        commit=o.get("commit_id"), cwe=_cwes(o.get("cwe"))))


@register_format("bigvul", record=Example, description="Big-Vul MSR_data_cleaned.csv (func_before, vul, CVE, CWE)")
def load_bigvul(path: Path, report: LoadReport, group_by: str | None = None) -> Iterator[Example]:
    """Big-Vul's ``MSR_data_cleaned.csv``: one function per row (``func_before``, label ``vul``).

    Raises:
        FormatError: the CSV lacks the ``func_before`` or ``vul`` column.
    """
    _check_group_by(group_by)

    def build(_: int, row: dict[str, str]) -> Example:
        example = _example(
            row["func_before"], row["vul"], group_by, idx=row.get("") or row.get("Unnamed: 0"),
            project=row.get("project"), commit=row.get("commit_id"), cve=row.get("CVE ID"),
            cwe=_cwes(row.get("CWE ID")), lang=row.get("lang"),
        )
        if example.label == VULNERABLE and row.get("func_after"):
            example.meta["func_after"] = row["func_after"]
        return example

    rows = dict_rows(path, report, required=("func_before", "vul"), fmt="Big-Vul CSV")
    yield from build_each(path, report, rows, build)


def _autocomplete_example(_: int, obj: Any) -> Example:
    if not isinstance(obj, dict):
        raise ValueError("item is not a JSON object")
    cwe = obj.get("cwe_identifier")
    if not isinstance(cwe, str) or not cwe.startswith("CWE-"):
        raise ValueError(f"unknown label {cwe!r} (expected a CWE id)")
    return _example(
        obj.get("origin_code"), 1, "project", project=obj.get("repo"), cwe=[cwe],
        language=obj.get("language"), line_text=obj.get("line_text"), pattern_id=obj.get("pattern_id"),
        pattern_desc=obj.get("pattern_desc"), file_path=obj.get("file_path"), prompt_id=obj.get("prompt_id"),
        func_name=None,
    )


@register_format(
    "purplellama-autocomplete", record=Example, description="CyberSecEval autocomplete.json: insecure code snippets"
)
def load_purplellama(path: Path, report: LoadReport) -> Iterator[Example]:
    """CyberSecEval's ``autocomplete.json``: real snippets flagged insecure (all ``vulnerable``).

    ``text`` is ``origin_code``; ``meta`` keeps ``cwe``, ``language``,
    ``line_text`` (the insecure line), ``pattern_id``/``pattern_desc``, ``repo``,
    ``file_path`` and ``prompt_id``; ``group`` is the repository. There are no
    safe examples: pair it with another source for a detection task.

    Raises:
        FormatError: the file is not a JSON list.
    """
    items = load_document(path)
    if not isinstance(items, list):
        raise FormatError(f"{path}: not CyberSecEval autocomplete JSON (expected a list of test cases)")
    yield from build_each(path, report, enumerate(items, start=1), _autocomplete_example)
