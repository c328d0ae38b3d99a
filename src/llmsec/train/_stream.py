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
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # one per process: ranks may race
    writer = sink = None
    rows = 0
    texts: list[str] = []
    ids: list[int] = []

    def flush() -> None:
        nonlocal writer, sink, rows
        enc = tokenizer(texts, truncation=True, max_length=max_length)
        columns = {key: pa.array(values, type=pa.list_(pa.int32())) for key, values in enc.items()}
        columns["labels"] = pa.array(ids, type=pa.int64())
        batch = pa.record_batch(list(columns.values()), names=list(columns))
        if writer is None:
            sink = pa.OSFile(str(tmp), "wb")
            writer = pa.ipc.new_stream(sink, batch.schema)
        writer.write_batch(batch)
        rows += len(ids)
        texts.clear()
        ids.clear()

    try:
        for record in records:
            if not isinstance(record, Example) or record.label not in index:
                continue
            texts.append(record.text)
            ids.append(index[record.label])
            if len(texts) >= BATCH:
                flush()
        if texts:
            flush()
    finally:
        if writer is not None:
            writer.close()
        if sink is not None:
            sink.close()
    if writer is None:
        raise EmptyDatasetError(f"no example with one of the labels {list(labels)} to tokenize")
    os.replace(tmp, path)
    return rows


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
