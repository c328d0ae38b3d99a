"""Preference judgements from JSON lines, a JSON list or Parquet: ``prompt``/``chosen``/``rejected`` columns.

The generic source of :class:`~llmsec.data.Preference` records (the preference
stage's data), in either shape: paired rows (``prompt``, ``chosen``,
``rejected``) or unpaired KTO rows (``prompt``, ``completion``, ``label``).
An optional ``group`` column names what must not straddle a split; ``meta``
(an object) is kept.

Every preference source (this one and ``juliet-pairs``) can return one side of
a leakage-aware split by itself (``split: train`` / ``split: test``): records
are split by group (:func:`held_out`), so the training side and the held-out
side of one source never share a group, and a recipe can read both sides of
the same folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from .._records import Preference
from .._report import LoadReport
from ..clean import record_group
from ._registry import FormatError, register_format
from ._source import MAX_JSON_DEPTH, counted_lines, json_depth_error, open_source, read_bounded
from .table import parquet_rows

logger = logging.getLogger(__name__)

Side = Literal["train", "test"]
_TEXT_FIELDS = ("prompt", "chosen", "rejected", "completion")


@dataclass(frozen=True)
class Candidate:
    """A preference read from a source, or the reason it was refused, with where it came from."""

    file: str
    line: int
    record: Preference | None
    reason: str = ""
    group: str | None = None


def preference_from_dict(obj: dict[str, Any], *, max_prompt_chars: int | None = None) -> Preference:
    """The :class:`Preference` a row describes (either shape).

    Raises:
        ValueError: not a valid preference (an empty side, identical answers, a
            non-boolean label, a prompt over ``max_prompt_chars``); the message says which.
    """
    for key in _TEXT_FIELDS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise ValueError(f"{key!r} must be a string, got {type(obj[key]).__name__}")
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise ValueError("'meta' must be an object")
    prompt = obj.get("prompt")
    if not isinstance(prompt, str):
        raise ValueError("missing 'prompt'")
    if max_prompt_chars is not None and len(prompt) > max_prompt_chars:
        raise ValueError(f"prompt of {len(prompt)} characters is over the budget of {max_prompt_chars} "
                         "(max_prompt_chars)")
    group = obj.get("group")
    label = obj.get("label")
    if label is not None and not isinstance(label, bool):
        label = {"true": True, "false": False, "1": True, "0": False}.get(str(label).strip().lower(), label)
    return Preference(
        prompt,
        chosen=obj.get("chosen"),
        rejected=obj.get("rejected"),
        completion=obj.get("completion"),
        label=label,
        group=None if group is None or str(group) == "" else str(group),
        meta=meta,
    )


def held_out(key: str, test_size: float, seed: int) -> bool:
    """Whether the group ``key`` is on the held-out side: a seeded hash of the key below ``test_size``.

    The side of a group depends on nothing else, so every reading of a source agrees on it:
    another view or variant of the pairs, ``max_samples``, a sub-folder, or the evaluation's
    own reading of the same test cases (``llmsec eval --task secure-code``).
    """
    digest = hashlib.sha256(f"{seed}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < test_size


def emit(candidates: list[Candidate], report: LoadReport, *, split: Side | None, test_size: float,
         seed: int) -> Iterator[Preference]:
    """Count and yield ``candidates``: all of them, or one side of a split by group.

    With ``split``, a record's side is :func:`held_out` of its group (a record without a group
    is keyed by its prompt, so pairs sharing a prompt stay together): every record of a group,
    and so every pair of a Juliet test case, is on one side, whatever else the source holds.
    Only the asked side is read, loaded and yielded; a refused candidate is reported on the
    side of its group (the training side when it has none), so the two sides' reports add up
    to the whole source.
    """
    if split not in (None, "train", "test"):
        raise ValueError(f"split must be 'train', 'test' or null (the whole source), got {split!r}")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size}")

    def wanted(key: str | None) -> bool:
        return split is None or (split == "test") == (key is not None and held_out(key, test_size, seed))

    for c in candidates:
        if c.record is None:
            if wanted(c.group):
                report.reject(c.file, c.line, c.reason)
        elif wanted(record_group(c.record) or c.record.prompt):
            report.accept()
            yield c.record


def _rows_jsonl(path: Path, report: LoadReport) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    with open_source(path) as fh:
        for lineno, raw in counted_lines(fh, path, report):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                yield lineno, None, "not valid UTF-8"
                continue
            except RecursionError:
                yield lineno, None, f"JSON nested deeper than the parser's recursion limit (limit MAX_JSON_DEPTH " \
                                    f"is {MAX_JSON_DEPTH})"
                continue
            except json.JSONDecodeError as exc:
                yield lineno, None, f"invalid JSON ({exc.msg})"
                continue
            yield lineno, obj, ""


def _rows_json(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    try:
        data = json.loads(read_bounded(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FormatError(f"{path}: not a JSON list of preference rows ({type(exc).__name__})") from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        raise FormatError(f"{path}: expected a JSON list of preference rows, got {type(data).__name__}")
    for i, obj in enumerate(data, start=1):
        yield i, obj, ""


def _rows_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    for i, row in enumerate(parquet_rows(path), start=1):
        if i == 1 and "prompt" not in row:
            raise FormatError(f"{path}: no 'prompt' column (columns: {', '.join(row)})")
        yield i, row, ""


@register_format("preference", record=Preference,
                 description="preference rows (prompt/chosen/rejected or prompt/completion/label): JSONL/JSON/Parquet")
def load_preference(
    path: Path,
    report: LoadReport,
    *,
    max_prompt_chars: int | None = None,
    split: Side | None = None,
    test_size: float = 0.2,
    seed: int = 0,
) -> Iterator[Preference]:
    """Read preference rows; each becomes a :class:`Preference` (``meta`` gains ``file`` and ``line``).

    ``.parquet`` files are read with pyarrow, ``.json`` files as one list of rows, anything else as
    JSON lines. A row with an empty side, identical ``chosen`` and ``rejected``, a non-boolean
    ``label``, both shapes or neither, or a prompt over ``max_prompt_chars`` is a rejected record
    with its line (row) and reason.

    Args:
        max_prompt_chars: refuse rows whose prompt is longer (the stage also refuses prompts over
            its token budget, ``max_prompt_length``).
        split: ``train`` or ``test``: only that side of a split by ``group`` (see :func:`emit`).
        test_size, seed: the split's held-out fraction and seed.

    Raises:
        FormatError: a Parquet or JSON file that is not a table / list of rows.
    """
    suffix = path.suffix.lower()
    rows = (_rows_parquet(path) if suffix == ".parquet" else _rows_json(path) if suffix == ".json"
            else _rows_jsonl(path, report))
    candidates = []
    for line, obj, problem in rows:
        if not problem and not isinstance(obj, dict):
            problem = "row is not an object"
        if not problem and (too_deep := json_depth_error(obj)):
            problem = too_deep
        group = None
        if not problem:
            try:
                record = preference_from_dict(obj, max_prompt_chars=max_prompt_chars)  # type: ignore[arg-type]
            except ValueError as exc:
                problem = str(exc)
                raw_group = obj.get("group")  # type: ignore[union-attr]
                group = None if raw_group is None else str(raw_group)
            else:
                record = replace(record, meta={**record.meta, "file": str(path), "line": line})
                candidates.append(Candidate(str(path), line, record))
                continue
        candidates.append(Candidate(str(path), line, None, problem, group))
    yield from emit(candidates, report, split=split, test_size=test_size, seed=seed)
