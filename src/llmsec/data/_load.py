"""The one path from a data source to records: resolve it, pick its format, stream, adapt, count.

Everything that reads data goes through here: ``prepare``, ``audit``, every training
stage, the packed pre-training corpus and ``evaluate``. A source is

- a file or folder path;
- ``builtin:NAME[/test]``, one of the demo sets inside the package;
- ``hf:OWNER/NAME[/CONFIG][@REVISION][:SPLIT]``, a hub dataset found in the local Hugging Face cache
  (never downloaded: see :mod:`._hub`).

Its format is the one given, else guessed (:func:`pick_format`): ``.jsonl`` is ``jsonl``
(``table`` with a ``columns`` mapping), parquet/arrow/feather and hub datasets are
``table``, a ``save_to_disk`` folder is ``datasets``, then the task's usual format, then
``text`` for text files and folders. Records stream one at a time
(:func:`stream_records`); with a task, each is turned into the task's own
(:meth:`Task.adapt`) and one it refuses is a rejection ``by="task"`` in the
:class:`LoadReport`, so ``loaded + rejected == read`` holds through the whole path.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._hub import HUB_PREFIX, hub_source
from ._records import Record
from ._report import EmptyDatasetError, LoadReport
from .formats import FORMATS, iter_records
from .formats._source import open_source
from .formats.table import TABLE_SUFFIXES, is_datasets_folder
from .formats.text import TEXT_SUFFIXES

if TYPE_CHECKING:
    from .tasks import Task

logger = logging.getLogger(__name__)

BUILTIN_PREFIX = "builtin:"
BUILTIN_SETS = {
    "corpus": "security prose (CVE/CWE/ATT&CK-style) for domain pre-training",
    "instructions": "security instruction conversations",
    "vuln-code": "C/Python/JS snippets labelled safe/vulnerable with CWE tags",
}


@dataclass(frozen=True)
class Source:
    """One input: a file, folder, ``builtin:`` or ``hf:`` name, its format, and options for its loader."""

    path: str | Path
    format: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """A short name for reports: the file or folder name, or the whole ``builtin:``/``hf:`` name."""
        text = str(self.path)
        if text.startswith((BUILTIN_PREFIX, HUB_PREFIX)):
            return text
        return Path(text).name or text


SourceLike = str | Path | Source | tuple[Any, ...] | Mapping[str, Any]


def _is_one_source(value: Any) -> bool:
    """A path, Source or mapping; or a ``(path, format-or-None[, options])`` tuple."""
    if isinstance(value, str | Path | Source | Mapping):
        return True
    return (
        isinstance(value, tuple) and len(value) in (2, 3) and isinstance(value[0], str | Path)
        and (value[1] is None or (isinstance(value[1], str) and value[1] in FORMATS))
        and (len(value) == 2 or isinstance(value[2], Mapping))
    )


def as_sources(
    source: SourceLike | Sequence[SourceLike],
    format: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[Source]:
    """Normalise one source or a list of them into a list of :class:`Source`.

    Accepts one path, a ``(path, format[, options])`` tuple, a mapping with
    ``path``/``format``/``options`` keys, a :class:`Source`, or a list of these.
    ``format`` and ``options`` fill in what an entry leaves unset.

    Raises:
        ValueError: no source, or an entry that is none of these.
    """
    items: Sequence[Any] = [source] if _is_one_source(source) else list(source)  # type: ignore[arg-type]
    if not items:
        raise ValueError("no data source given")
    base = dict(options or {})
    out = []
    for item in items:
        if isinstance(item, Source):
            src = item
        elif isinstance(item, str | Path):
            src = Source(item)
        elif isinstance(item, Mapping):
            if "path" not in item:
                raise ValueError(f"the source {dict(item)!r} has no 'path'")
            src = Source(item["path"], item.get("format"), dict(item.get("options") or {}))
        elif isinstance(item, tuple) and 1 <= len(item) <= 3:
            src = Source(item[0], item[1] if len(item) > 1 else None, dict(item[2]) if len(item) > 2 else {})
        else:
            raise ValueError(
                f"cannot read the source {item!r}: give a path, (path, format[, options]) or a list of them"
            )
        out.append(Source(src.path, src.format or format, {**base, **src.options}))
    return out


def builtin_path(source: str) -> Path:
    """The file behind ``builtin:NAME`` (train split) or ``builtin:NAME/test``."""
    spec = source.removeprefix(BUILTIN_PREFIX)
    name, _, split = spec.partition("/")
    split = split or "train"
    if name not in BUILTIN_SETS or split not in ("train", "test"):
        raise FileNotFoundError(
            f"unknown built-in data {source!r}; built-in sets: "
            + ", ".join(f"builtin:{n}[/test]" for n in BUILTIN_SETS)
        )
    ref = resources.files("llmsec") / "resources" / "demo" / f"{name}.{split}.jsonl"
    return Path(str(ref))


def resolve_source(source: str | Path) -> Path:
    """A data source as a local path: ``builtin:`` names resolved, ``hf:`` ids found in the local cache.

    Raises:
        FileNotFoundError: an unknown built-in set, or a hub dataset that is not in the local cache.
    """
    if isinstance(source, str) and source.startswith(BUILTIN_PREFIX):
        return builtin_path(source)
    if isinstance(source, str) and source.startswith(HUB_PREFIX):
        return hub_source(source).path
    return Path(source)


def guess_format(path: Path, options: Mapping[str, Any] | None = None) -> str:
    """The format implied by a source's name (and a ``columns`` option); raise when it cannot be guessed."""
    found = _guess(path, options or {})
    if found is None:
        raise ValueError(
            f"cannot tell the format of {path} from its name; set data.format to one of: "
            + ", ".join(FORMATS.names())
        )
    return found


def _guess(path: Path, options: Mapping[str, Any], *, generic: bool = True) -> str | None:
    """``generic``: also guess ``text`` for text files and folders (after the task's format)."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return "table" if "columns" in options else "jsonl"
    if suffix in TABLE_SUFFIXES and (suffix not in (".csv", ".tsv") or "columns" in options):
        return "table"
    if path.is_dir() and is_datasets_folder(path):
        return "datasets"
    if not generic:
        return None
    if path.is_dir() or suffix in TEXT_SUFFIXES:
        return "text"
    return None


def pick_format(source: str | Path, fmt: str | None = None, *, task: Task | None = None,
                options: Mapping[str, Any] | None = None) -> str:
    """The format to read ``source`` with: ``fmt`` when given, else guessed.

    The guess: ``.jsonl`` is ``jsonl`` (``table`` with a ``columns`` option), parquet,
    arrow, feather and ``hf:`` datasets are ``table`` (CSV/TSV too with ``columns``), a
    ``save_to_disk`` folder is ``datasets``; then the task's usual format; then ``text``
    for text files and folders.

    Raises:
        ValueError: an unknown format (with the valid names), or none can be guessed.
    """
    if fmt:
        FORMATS.get(fmt)  # an unknown name raises with the valid ones
        return fmt
    options = options or {}
    if isinstance(source, str) and source.startswith(HUB_PREFIX):
        return "table"
    path = resolve_source(source)
    found = _guess(path, options, generic=task is None)
    if found is None and task is not None:
        found = task.default_format
        logger.info("%s: no format given, reading it as %r (task %s)", source, found, task.name)
    return found or guess_format(path, options)


def check_options(fmt: str, options: Mapping[str, Any]) -> None:
    """Refuse an option the format's loader does not take, listing the ones it does.

    Raises:
        ValueError: an unknown option.
    """
    params = list(inspect.signature(FORMATS.get(fmt).load).parameters.values())[2:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    valid = [p.name for p in params]
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(
            f"format {fmt!r} has no option {', '.join(map(repr, unknown))}; "
            f"its options are: {', '.join(valid) or '(none)'}"
        )


def record_location(source: str, record: Record, index: int) -> tuple[str, int]:
    """Where a loaded record came from, as ``(file, line or row)``, for a task's rejection."""
    meta = getattr(record, "meta", {}) or {}
    for key in ("source_row", "row", "line"):
        value = meta.get(key)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return source, int(value)
    if meta.get("file"):
        where = f"{meta['file']}:{meta['function']}" if meta.get("function") else str(meta["file"])
        return where, index
    return source, index


def stream_records(
    source: str | Path,
    fmt: str | None = None,
    *,
    report: LoadReport,
    task: Task | None = None,
    max_samples: int | None = None,
    **options: Any,
) -> Iterator[Record]:
    """Stream the records of one source, adapted to ``task`` when given, counting each in ``report``.

    Reading stops after ``max_samples`` records the loader loaded (before the task's
    choice, so the count is of the file, not of what the task kept). A record the task
    refuses is moved to the report's rejections (``by="task"``), with its file and
    row/line and the reason.

    Raises:
        FileNotFoundError: the source does not exist.
        ValueError: an unknown format or an option the format lacks.
    """
    if isinstance(source, str) and source.startswith(HUB_PREFIX):
        hub = hub_source(source)
        path = hub.path
        if hub.split is not None:
            options = {"split": hub.split, **options}
        if hub.config is not None:
            options = {"subset": hub.config, **options}
    else:
        path = resolve_source(source)
    if not os.path.lexists(path):  # a link loop "does not exist" but is refused by name later
        raise FileNotFoundError(f"data source not found: {source}")
    fmt = pick_format(source, fmt, task=task, options=options)
    check_options(fmt, options)
    stream: Iterator[Record] = iter_records(path, fmt, report, **options)
    if max_samples:
        stream = itertools.islice(stream, max_samples)
    if task is None:
        yield from stream
        return
    from .tasks import TaskRecordError

    for index, record in enumerate(stream, start=1):
        try:
            yield task.adapt(record)
        except TaskRecordError as exc:
            file, line = record_location(str(source), record, index)
            report.reject_for_task(file, line, str(exc))


def load_records(
    source: str | Path,
    fmt: str | None = None,
    *,
    task: Task | str | None = None,
    max_samples: int | None = None,
    **options: Any,
) -> tuple[list[Record], LoadReport]:
    """Read every record of a source (adapted to ``task`` when given) and the report that accounts for them.

    Args:
        source: a file or folder path, ``builtin:NAME[/test]`` or ``hf:OWNER/NAME[:SPLIT]``.
        fmt: a registered format name; guessed when None (:func:`pick_format`).
        task: a task (or its name): records become the task's own, those it refuses are
            rejected with their reason.
        max_samples: read only the first N loaded records (reading stops there).
        **options: passed to the format's loader (``columns``, ``split``, ...).

    Raises:
        FileNotFoundError: the source does not exist.
        EmptyDatasetError: it yielded no usable record (the report's reasons are in the message).
    """
    task_obj = _task(task)
    report = LoadReport(source=str(source))
    records = list(stream_records(source, fmt, report=report, task=task_obj, max_samples=max_samples, **options))
    report.check()
    if not records:
        what = f" for task {task_obj.name!r}" if task_obj is not None else ""
        raise EmptyDatasetError(f"{source} yielded no usable records{what}.\n{report.summary()}")
    return records, report


def load_sources(
    sources: Sequence[Source], *, task: Task | None = None, max_samples: int | None = None
) -> tuple[list[Record], list[str], list[tuple[Source, str, LoadReport]]]:
    """Records of several sources, each one's name per record, and each source's format and report.

    An empty source is not an error here (the caller decides what too few records means).
    """
    records: list[Record] = []
    names: list[str] = []
    reports = []
    for src in sources:
        fmt = pick_format(src.path, src.format, task=task, options=src.options)
        report = LoadReport(source=str(src.path))
        before = len(records)
        records.extend(stream_records(src.path, fmt, report=report, task=task, max_samples=max_samples,
                                      **src.options))
        report.check()
        names.extend([src.name] * (len(records) - before))
        reports.append((src, fmt, report))
    return records, names, reports


def _task(task: Task | str | None) -> Task | None:
    if task is None or not isinstance(task, str):
        return task
    from .tasks import get_task

    return get_task(task)


def fingerprint(source: str | Path) -> str:
    """A short content hash of a data source, for checkpoint manifests."""
    path = resolve_source(source)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode())
        with open_source(file) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16]
