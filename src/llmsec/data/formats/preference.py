"""Preference judgements from JSON lines, a JSON list or Parquet: ``prompt``/``chosen``/``rejected`` columns.

The generic source of :class:`~llmsec.data.Preference` records (the preference
stage's data), in either shape: paired rows (``prompt``, ``chosen``,
``rejected``) or unpaired KTO rows (``prompt``, ``completion``, ``label``).
An optional ``group`` column names what must not straddle a split; ``meta``
(an object) is kept.

Every preference source (this one and ``juliet-pairs``) can return one side of
a leakage-aware split by itself (``split: train`` / ``split: test``): the
records are split with :func:`llmsec.data.split_records` by group, so the
training side and the held-out side of one source never share a group, and a
recipe can read both sides of the same folder.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from .._records import Preference
from .._report import LoadReport
from .._split import record_group, split_records
from ._registry import FormatError, register_format
from ._source import MAX_JSON_DEPTH, counted_lines, json_depth_error, open_source, read_bounded

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


def emit(candidates: list[Candidate], report: LoadReport, *, split: Side | None, test_size: float,
         seed: int) -> Iterator[Preference]:
    """Count and yield ``candidates`` (all of them, or one side of a split by group).

    With ``split``, the loaded preferences are split by :func:`split_records` (``by="group"``,
    a record without a group is its own group); only the asked side is read, loaded and
    yielded, and a refused candidate is reported on the side its group fell on (the
    training side when its group has no loaded record), so the two sides' reports add up
    to the whole source.
    """
    if split not in (None, "train", "test"):
        raise ValueError(f"split must be 'train', 'test' or null (the whole source), got {split!r}")
    loaded = [c.record for c in candidates if c.record is not None]
    keep_ids = {id(r) for r in loaded}
    test_groups: set[str] = set()
    if split is not None:
        try:
            _, test = split_records(loaded, by="group", test_size=test_size, seed=seed, stratify=False)
        except ValueError as exc:  # fewer than two records or groups: nothing can be held out, all of it trains
            logger.warning("%s: cannot split by group (%s); every record is on the training side", report.source, exc)
            test = []
        test_ids = {id(r) for r in test}
        keep_ids = test_ids if split == "test" else keep_ids - test_ids
        test_groups = {g for r in test if (g := record_group(r)) is not None}
    for c in candidates:
        if c.record is None:
            on_test = c.group is not None and c.group in test_groups
            if split is None or (split == "test") == on_test:
                report.reject(c.file, c.line, c.reason)
        elif id(c.record) in keep_ids:
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
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise FormatError(f"{path}: not a readable Parquet file ({exc})") from None
    if "prompt" not in table.column_names:
        raise FormatError(f"{path}: no 'prompt' column (columns: {', '.join(table.column_names)})")
    for i, row in enumerate(table.to_pylist(), start=1):
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
