"""Classification data streamed to an Arrow file, so memory does not grow with the number of examples.

Two passes over the source, one record at a time (:func:`llmsec.data.stream_records`):
the first counts the labels (the label set of an open task such as ``cve-to-cwe``,
the class weights, the load report); the second tokenizes a batch of texts at a
time and appends it to an Arrow stream file that training reads memory-mapped.
Peak memory is one batch plus the label counts, whatever the dataset size. The
file is cached under a key of the data's content, the load settings, the labels
and the tokenizer, so a resumed run reuses it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import StageBase
from ..data import EmptyDatasetError, Example, LoadReport, Record, fingerprint, get_task, stream_records

logger = logging.getLogger(__name__)

BATCH = 512


@dataclass
class StreamedSplit:
    """A tokenized, memory-mapped classification split and what loading it counted."""

    dataset: Any
    report: LoadReport
    labels: list[str]
    counts: Counter[str]
    skipped: int = 0  # evaluation records whose label the head lacks (left out)

    def label_ids(self) -> Any:
        """One label id per example (numpy), in label order, for class weights."""
        import numpy as np

        return np.repeat(np.arange(len(self.labels)), [self.counts.get(label, 0) for label in self.labels])


def _records(stage: StageBase, which: str, report: LoadReport) -> Iterator[Record]:
    data = stage.data
    return stream_records(getattr(data, which), data.format, report=report, task=get_task(stage.task),  # type: ignore[attr-defined]
                          max_samples=data.max_samples, **data.options)


def count_labels(stage: StageBase, which: str) -> tuple[Counter[str], LoadReport]:
    """Pass 1: the label counts of the stage's ``train``/``eval`` source and its load report.

    Raises:
        ValueError: a record that is not an Example (a detection task needs labels).
        EmptyDatasetError: no usable record.
    """
    source = getattr(stage.data, which)
    report = LoadReport(source=str(source))
    counts: Counter[str] = Counter()
    for record in _records(stage, which, report):
        if not isinstance(record, Example):
            raise ValueError(f"a detection task needs Examples, got a {type(record).__name__}")
        counts[record.label] += 1
    report.check()
    if not counts:
        raise EmptyDatasetError(f"{source} yielded no usable records for task {stage.task!r}.\n"  # type: ignore[attr-defined]
                                f"{report.summary()}")
    if report.rejected:
        logger.warning("%s", report.summary())
    return counts, report


def streamed_split(stage: StageBase, which: str, tokenizer: Any, cache_dir: Path,
                   labels: Sequence[str] | None = None) -> StreamedSplit | None:
    """The stage's ``train``/``eval`` split tokenized into a memory-mapped ``datasets.Dataset``.

    Args:
        labels: the head's labels (an evaluation split): records with another label are
            left out and counted in ``skipped``. None: the task's labels, or for an open
            label set the sorted labels of this split.

    Returns:
        None when the stage has no such split.
    """
    from datasets import Dataset

    source = getattr(stage.data, which)
    if source is None:
        return None
    counts, report = count_labels(stage, which)
    task = get_task(stage.task)  # type: ignore[attr-defined]
    names = list(labels) if labels is not None else (list(task.labels) if task.labels else sorted(counts))
    skipped = sum(n for label, n in counts.items() if label not in set(names))
    if skipped:
        logger.warning("%s: %d of %d evaluation records have labels the training data lacks; the in-training "
                       "evaluation leaves them out", source, skipped, sum(counts.values()))
    cache_dir.mkdir(parents=True, exist_ok=True)
    arrow = cache_dir / f"{which}-cls-{_key(stage, which, tokenizer, names)}.arrow"
    if arrow.is_file():
        logger.info("reusing the tokenized %s split %s", which, arrow)
    else:
        rows = _encode_to_arrow(_records(stage, which, LoadReport(source=str(source))), tokenizer, names,
                                stage.max_length, arrow)
        logger.info("tokenized %d %s examples into %s", rows, which, arrow)
    return StreamedSplit(Dataset.from_file(str(arrow)), report, names, counts, skipped)


def _encode_to_arrow(records: Iterator[Record], tokenizer: Any, labels: Sequence[str], max_length: int,
                     path: Path) -> int:
    """Tokenize a batch at a time and append to an Arrow stream file (written under a temporary name)."""
    import pyarrow as pa

    index = {label: i for i, label in enumerate(labels)}
    out = _ArrowStreamFile(path)
    rows = 0
    texts: list[str] = []
    ids: list[int] = []

    def flush() -> None:
        nonlocal rows
        enc = tokenizer(texts, truncation=True, max_length=max_length)
        columns = {key: pa.array(values, type=pa.list_(pa.int32())) for key, values in enc.items()}
        columns["labels"] = pa.array(ids, type=pa.int64())
        out.write(pa.Table.from_batches([pa.record_batch(list(columns.values()), names=list(columns))]))
        rows += len(ids)
        texts.clear()
        ids.clear()

    with out:
        for record in records:
            if not isinstance(record, Example) or record.label not in index:
                continue
            texts.append(record.text)
            ids.append(index[record.label])
            if len(texts) >= BATCH:
                flush()
        if texts:
            flush()
    if out.empty:
        raise EmptyDatasetError(f"no example with one of the labels {list(labels)} to tokenize")
    out.commit()
    return rows


class _ArrowStreamFile:
    """An Arrow stream file written a table at a time under a temporary name (one per process: ranks may
    race) and moved into place by :meth:`commit`; every table is cast to the first one's schema."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self._sink: Any = None
        self._writer: Any = None
        self._schema: Any = None

    @property
    def empty(self) -> bool:
        return self._writer is None

    def write(self, table: Any) -> None:
        import pyarrow as pa

        if self._writer is None:
            self._schema = table.schema
            self._sink = pa.OSFile(str(self.tmp), "wb")
            self._writer = pa.ipc.new_stream(self._sink, self._schema)
        self._writer.write_table(table if table.schema == self._schema else table.cast(self._schema))

    def commit(self) -> None:
        os.replace(self.tmp, self.path)

    def __enter__(self) -> _ArrowStreamFile:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._sink is not None:
            self._sink.close()


def _key(stage: StageBase, which: str, tokenizer: Any, labels: Sequence[str]) -> str:
    data = stage.data
    spec = {
        "data": fingerprint(getattr(data, which)),
        "format": data.format,
        "options": data.options,
        "max_samples": data.max_samples,
        "task": getattr(stage, "task", None),
        "labels": list(labels),
        "max_length": stage.max_length,
        "tokenizer": [str(getattr(tokenizer, "name_or_path", "")), len(tokenizer),
                      sorted(getattr(tokenizer, "model_input_names", []))],
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class SftStats:
    """What streaming an instruction split built: rows, conversations, assistant turns, the mask mode."""

    rows: int
    conversations: int
    assistant_turns: int
    mode: str


def streamed_sft(stage: StageBase, which: str, tokenizer: Any, task: Any, mode: str,
                 cache_dir: Path) -> tuple[Any, LoadReport, SftStats] | None:
    """The stage's ``train``/``eval`` conversations as SFT rows in a memory-mapped ``datasets.Dataset``.

    One pass over the source: records become conversations (through ``task`` for labelled
    examples), 512 at a time, and their rows (:func:`llmsec.train._multiturn.sft_rows`, the
    same rows as before) are appended to an Arrow stream file. The file and its counts are
    cached under a key of the data, the load settings, the system prompt, the mask mode and
    the tokenizer, so a resumed run (and the other processes) reuse it.

    Returns:
        None when the stage has no such split.

    Raises:
        EmptyDatasetError: no usable record, or no assistant turn to learn from.
    """
    from datasets import Dataset

    source = getattr(stage.data, which)
    if source is None:
        return None
    cache_dir.mkdir(parents=True, exist_ok=True)
    key = _sft_key(stage, which, tokenizer, mode)
    arrow, meta = cache_dir / f"{which}-sft-{key}.arrow", cache_dir / f"{which}-sft-{key}.json"
    if arrow.is_file() and meta.is_file():
        info = json.loads(meta.read_text(encoding="utf-8"))
        report = LoadReport(source=str(source), read=info["read"], loaded=info["loaded"])
        stats = SftStats(**info["stats"])
        logger.info("reusing the %s SFT rows %s (%d rows)", which, arrow, stats.rows)
        return Dataset.from_file(str(arrow)), report, stats
    report = LoadReport(source=str(source))
    data = stage.data
    records = stream_records(source, data.format, report=report, task=task, max_samples=data.max_samples,
                             **data.options)
    try:
        stats = _sft_to_arrow(records, tokenizer, task, getattr(stage, "system_prompt", None), mode, arrow)
    except EmptyDatasetError:
        if report.loaded == 0:  # nothing loaded at all: say so, with the loader's reasons
            raise EmptyDatasetError(f"{source} yielded no usable records.\n{report.summary()}") from None
        raise
    report.check()
    if report.rejected:
        logger.warning("%s", report.summary())
    tmp = meta.with_name(f".{meta.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"read": report.read, "loaded": report.loaded, "stats": vars(stats)}), encoding="utf-8")
    os.replace(tmp, meta)
    return Dataset.from_file(str(arrow)), report, stats


def _sft_to_arrow(records: Iterator[Record], tokenizer: Any, task: Any, system_prompt: str | None, mode: str,
                  path: Path) -> SftStats:
    import pyarrow as pa

    from ..data import conversation_records
    from ._multiturn import sft_rows

    out = _ArrowStreamFile(path)
    stats = SftStats(0, 0, 0, mode)
    batch: list[Record] = []

    def flush() -> None:
        try:
            built = sft_rows(conversation_records(batch, task), tokenizer, system_prompt, mode=mode)  # type: ignore[arg-type]
        except EmptyDatasetError:  # no assistant turn in this batch; the split as a whole is checked below
            batch.clear()
            return
        batch.clear()
        out.write(pa.Table.from_pylist(built.rows))
        stats.rows += len(built.rows)
        stats.conversations += built.conversations
        stats.assistant_turns += built.assistant_turns

    with out:
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    if out.empty:
        raise EmptyDatasetError("no assistant turn to learn from in the conversations")
    out.commit()
    return stats


def _sft_key(stage: StageBase, which: str, tokenizer: Any, mode: str) -> str:
    data = stage.data
    template = str(getattr(tokenizer, "chat_template", "") or "")
    spec = {
        "data": fingerprint(getattr(data, which)),
        "format": data.format,
        "options": data.options,
        "max_samples": data.max_samples,
        "task": getattr(stage, "task", None),
        "system_prompt": getattr(stage, "system_prompt", None),
        "mode": mode,
        "tokenizer": [str(getattr(tokenizer, "name_or_path", "")), len(tokenizer),
                      hashlib.sha256(template.encode()).hexdigest()[:16]],
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]
