"""Tables: parquet, arrow, feather, CSV/TSV and JSON lines with a ``columns`` mapping; ``save_to_disk`` folders.

Two formats share the row-to-record mapping of :mod:`._columns`:

- ``table``: one table file, or a folder of them (a hub dataset's snapshot), the
  files of one ``split`` when asked (``train-00000-of-00001.parquet``,
  ``data/test.csv``...). Parquet and arrow files are read a batch at a time.
- ``datasets``: a folder written by ``datasets.Dataset.save_to_disk`` (or a
  ``DatasetDict``, one ``split`` of it), read from its Arrow files a batch at a
  time; class-label columns come back as their names.

Every row is one record read: loaded, or rejected with its file, row and reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .._records import Record
from .._report import LoadReport
from ._columns import Columns
from ._registry import FormatError, register_format
from ._rows import dict_rows
from ._source import (
    MAX_JSON_DEPTH,
    SourceError,
    counted_lines,
    json_depth_error,
    open_source,
    read_bounded,
    walk_files,
)

#: The files the ``table`` format reads.
TABLE_SUFFIXES = (".parquet", ".arrow", ".feather", ".csv", ".tsv", ".jsonl")
_BATCH = 1024
_DATASETS_MARKERS = ("dataset_dict.json", "state.json")


def is_datasets_folder(path: Path) -> bool:
    """Whether ``path`` is a folder ``save_to_disk`` wrote (a Dataset or a DatasetDict)."""
    return any((path / marker).is_file() for marker in _DATASETS_MARKERS)


@register_format(
    "table", record=Record, folders=True,
    description="parquet/arrow/feather/CSV/TSV/JSON-lines rows mapped by `columns` (text, label, prompt, "
                "answer, ...), a file or a folder of them (hub snapshots)",
)
def load_table(
    path: Path,
    report: LoadReport,
    *,
    columns: Mapping[str, Any] | None = None,
    labels: list[str] | Mapping[str, str] | None = None,
    split: str | None = None,
    subset: str | None = None,
    follow_symlinks: bool = False,
) -> Iterator[Record]:
    """One record per row of a table file, or of every table file in a folder.

    Args:
        columns: canonical field -> source column (``text``/``code``, ``label``, ``group``,
            ``time``, ``source``, ``prompt``, ``answer``/``completion``, ``system``, ``messages``,
            ``question``, ``choices``; ``meta``: a list of columns kept in meta). Default:
            the columns named like a field.
        labels: label names for coded labels: a list (the value is an index) or a mapping
            (value -> name), e.g. ``[safe, vulnerable]`` for a 0/1 target column.
        split: in a folder, read only the files of this split (by folder or file name).
        subset: in a folder, read only the files under a folder of this name (a hub dataset's
            configuration: ``hf:OWNER/NAME/CONFIG``).
        follow_symlinks: follow symbolic links that leave the folder (a hub snapshot's
            files are links into its blob store, which is inside the dataset's cache folder).

    Raises:
        FormatError: a mapped column is missing, no column makes a record, or a folder holds
            no table file (of the split).
    """
    if not path.is_dir():
        yield from _file_records(path, report, Columns(columns, str(path), labels))
        return
    root = path.parent.parent if path.parent.name == "snapshots" else path  # a hub snapshot's blobs
    files = [(f, why) for f, why in walk_files(path, _is_table, follow_symlinks=True)
             if (split is None or _in_split(f.relative_to(path), split))
             and (subset is None or subset in f.relative_to(path).parts[:-1])]
    if not files:
        raise FormatError(f"{path}: no {'/'.join(TABLE_SUFFIXES)} file"
                          + (f" of split {split!r}" if split else "") + (f" in {subset}/" if subset else "")
                          + " in the folder")
    for file, refused in files:
        if refused is None and not follow_symlinks and not file.resolve().is_relative_to(root.resolve()):
            refused = "symbolic link out of the source folder; not followed (pass follow_symlinks=True)"
        if refused:
            report.reject(str(file), 1, refused)
            continue
        yield from _file_records(file, report, Columns(columns, str(file), labels))


@register_format(
    "datasets", record=Record, folders=True,
    description="a `datasets` folder (save_to_disk: a Dataset, or one split of a DatasetDict), rows mapped "
                "by `columns` as for table",
)
def load_datasets_folder(
    path: Path,
    report: LoadReport,
    *,
    columns: Mapping[str, Any] | None = None,
    labels: list[str] | Mapping[str, str] | None = None,
    split: str | None = None,
) -> Iterator[Record]:
    """One record per row of a ``save_to_disk`` folder, read from its Arrow files a batch at a time.

    Args:
        columns, labels: as for the ``table`` format.
        split: the split of a DatasetDict folder (default ``train``); ignored for a Dataset folder.

    Raises:
        FormatError: not a ``save_to_disk`` folder, an unknown split, or unmappable columns.
    """
    if (path / "dataset_dict.json").is_file():
        splits = _json(path / "dataset_dict.json").get("splits") or []
        split = split or "train"
        if split not in splits:
            raise FormatError(f"{path}: no split {split!r} in the DatasetDict; its splits: {', '.join(splits)}")
        path = path / split
    if not (path / "state.json").is_file():
        raise FormatError(f"{path} is not a folder `save_to_disk` wrote (no state.json or dataset_dict.json)")
    state = _json(path / "state.json")
    info = _json(path / "dataset_info.json") if (path / "dataset_info.json").is_file() else {}
    if state.get("_indices_data_files"):
        raise FormatError(f"{path}: an indices mapping (a selected or shuffled view) is not read; "
                          "save it with flatten_indices() first")
    mapper = Columns(columns, str(path), labels)
    row = 0
    bound = False
    entries = state.get("_data_files") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("filename"), str)
                                                for e in entries):
        raise FormatError(f"{path}/state.json: _data_files is not a list of {{filename: ...}} entries")
    for entry in entries:
        file = path / entry["filename"]
        if file.parent != path or not file.is_file():
            raise FormatError(f"{path}: state.json names a data file that is not in the folder: {entry['filename']!r}")
        for batch in _arrow_batches(file):
            if not bound:
                mapper.bind(batch.schema.names, _class_labels(info.get("features")))
                bound = True
            for values in batch.to_pylist():
                row += 1
                yield from _one(mapper, values, str(file), row, report)


def _is_table(path: Path) -> bool:
    return path.suffix.lower() in TABLE_SUFFIXES


def _in_split(relative: Path, split: str) -> bool:
    """Whether a file belongs to ``split``: a folder of that name, or the name as a word of the file name."""
    if split in relative.parts[:-1]:
        return True
    return re.search(rf"(^|[-_.]){re.escape(split)}([-_.]|$)", relative.name.split(".")[0]) is not None


def _file_records(file: Path, report: LoadReport, mapper: Columns) -> Iterator[Record]:
    suffix = file.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise FormatError(f"{file}: the table format reads {', '.join(TABLE_SUFFIXES)} files; give one, or set "
                          "data.format to the file's own format")
    if suffix in (".csv", ".tsv"):
        bound = False
        fmt = "CSV" if suffix == ".csv" else "TSV"
        rows = dict_rows(file, report, required=(), delimiter="," if suffix == ".csv" else "\t", fmt=fmt)
        for line, values in rows:
            if not bound:
                mapper.bind(list(values))
                bound = True
            yield from _one(mapper, values, str(file), line, report)
        return
    if suffix == ".jsonl":
        yield from _jsonl(file, mapper, report)
        return
    row = 0
    bound = False
    batches = _parquet_batches(file) if suffix == ".parquet" else _arrow_batches(file)
    for batch in batches:
        if not bound:
            mapper.bind(batch.schema.names, _class_labels(_hf_features(batch.schema.metadata)))
            bound = True
        for values in batch.to_pylist():
            row += 1
            yield from _one(mapper, values, str(file), row, report)


def _one(mapper: Columns, values: Mapping[str, Any], file: str, row: int, report: LoadReport) -> Iterator[Record]:
    too_deep = json_depth_error(dict(values))
    if too_deep:
        report.reject(file, row, too_deep)
        return
    try:
        record = mapper.record(values, {"file": file, "source_row": row})
    except (ValueError, TypeError) as exc:
        report.reject(file, row, str(exc))
        return
    report.accept()
    yield record


def _jsonl(file: Path, mapper: Columns, report: LoadReport) -> Iterator[Record]:
    bound = False
    with open_source(file) as fh:
        for lineno, raw in counted_lines(fh, file, report):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except RecursionError:
                report.reject(str(file), lineno, f"JSON nested deeper than the parser allows (MAX_JSON_DEPTH "
                                                 f"{MAX_JSON_DEPTH})")
                continue
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                report.reject(str(file), lineno, "not valid UTF-8" if isinstance(exc, UnicodeDecodeError)
                              else f"invalid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                report.reject(str(file), lineno, "line is not a JSON object")
                continue
            if not bound:
                mapper.bind(list(obj))
                bound = True
            yield from _one(mapper, obj, str(file), lineno, report)


def parquet_rows(file: Path) -> Iterator[dict[str, Any]]:
    """A Parquet file's rows as dicts, read a batch at a time from the memory-mapped, validated file."""
    for batch in _parquet_batches(file):
        yield from batch.to_pylist()


def _parquet_batches(file: Path) -> Iterator[Any]:
    import pyarrow.parquet as pq

    with _columnar(file, "parquet") as source:
        for batch in pq.ParquetFile(source).iter_batches(batch_size=_BATCH):
            batch.validate(full=True)  # bad UTF-8 or offsets in a damaged file: a FormatError, not a crash
            yield batch


def _arrow_batches(file: Path) -> Iterator[Any]:
    """Record batches of an Arrow IPC file (feather v2) or stream (what ``datasets`` writes)."""
    import pyarrow as pa

    with _columnar(file, "Arrow") as source:
        try:
            reader: Any = pa.ipc.open_file(source)
            batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
        except pa.ArrowInvalid:
            source.seek(0)
            batches = iter(pa.ipc.open_stream(source))
        for batch in batches:
            batch.validate(full=True)  # bad UTF-8 or offsets in a damaged file: a FormatError, not a crash
            for start in range(0, batch.num_rows, _BATCH):
                yield batch.slice(start, _BATCH)


@contextmanager
def _columnar(file: Path, kind: str) -> Iterator[Any]:
    """The file memory-mapped (a length in a damaged file points past its end instead of allocating it),
    with pyarrow's errors on a damaged or foreign file turned into a FormatError naming the file."""
    import pyarrow as pa

    open_source(file).close()  # a regular file: not a FIFO or device (refused without blocking)
    try:
        with pa.memory_map(str(file), "r") as source:
            yield source
    except (pa.ArrowException, OSError, EOFError) as exc:
        if isinstance(exc, SourceError):
            raise
        raise FormatError(f"{file}: not a readable {kind} file ({str(exc)[:200]})") from None


def _hf_features(metadata: Mapping[bytes, bytes] | None) -> Any:
    """The ``datasets`` features a parquet/arrow file written by ``datasets`` carries in its schema metadata."""
    raw = (metadata or {}).get(b"huggingface")
    if not raw:
        return None
    try:
        return json.loads(raw).get("info", {}).get("features")
    except (ValueError, AttributeError):
        return None


def _class_labels(features: Any) -> dict[str, list[str]]:
    """Column -> label names of the ``ClassLabel`` columns of a ``datasets`` features dict."""
    if not isinstance(features, Mapping):
        return {}
    return {name: [str(n) for n in spec.get("names") or []] for name, spec in features.items()
            if isinstance(spec, Mapping) and spec.get("_type") == "ClassLabel"}


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_bounded(path, 16 << 20))
    except RecursionError:
        raise FormatError(f"{path}: JSON nested deeper than the parser allows") from None
    except (ValueError, SourceError) as exc:
        raise FormatError(f"{path}: unreadable ({exc})") from None
    if not isinstance(data, dict):
        raise FormatError(f"{path}: not a JSON object")
    return data
