"""A packed causal-LM corpus streamed to an Arrow file, so memory does not grow with corpus size.

Records are read one at a time from their source, tokenized a batch at a time,
joined with EOS and cut into ``block_size`` blocks that are appended to an Arrow
stream file; training reads that file memory-mapped. Peak memory is one batch
of texts plus one block, whatever the corpus size.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..config import StageBase
from ..data import EmptyDatasetError, LoadReport, fingerprint, record_text, stream_records

logger = logging.getLogger(__name__)

BATCH_TEXTS = 512


def stream_texts(stage: StageBase, which: str, report: LoadReport) -> Iterator[str]:
    """The corpus text of every record of the stage's ``train`` or ``eval`` source, one at a time.

    Read through the one source path (:func:`llmsec.data.stream_records`), so a corpus
    reads every source a recipe can name (files, folders, ``builtin:``, ``hf:``, tables with
    ``columns``) and guesses its format as every other reader does.
    """
    source = getattr(stage.data, which)
    stream = stream_records(source, stage.data.format, report=report, max_samples=stage.data.max_samples,
                            **stage.data.options)
    for record in stream:
        yield record_text(record)


def pack_to_arrow(texts: Iterable[str], tokenizer: Any, block_size: int, path: Path) -> int:
    """Tokenize, join with EOS, cut into full blocks and append them to an Arrow file; return the count.

    The short tail is dropped, except when the whole corpus is shorter than one
    block (it becomes one shorter block).
    The file is written under a temporary name and renamed when complete, so
    processes that build the same file at once cannot see a partial one.
    """
    import numpy as np
    import pyarrow as pa

    eos = tokenizer.eos_token_id
    schema = pa.schema([("input_ids", pa.list_(pa.int32()))])
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # one per process: ranks may race
    blocks = 0
    carry = np.empty(0, dtype=np.int32)
    with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        batch: list[str] = []
        for text in itertools.chain(texts, [None]):
            if text is not None:
                batch.append(text)
                if len(batch) < BATCH_TEXTS:
                    continue
            if not batch:
                break
            encoded = tokenizer(batch, add_special_tokens=False)["input_ids"]
            batch = []
            parts = [carry]
            for ids in encoded:
                parts.append(np.asarray(ids, dtype=np.int32))
                if eos is not None:
                    parts.append(np.asarray([eos], dtype=np.int32))
            flat = np.concatenate(parts)
            n = len(flat) // block_size
            if n:
                values = pa.array(flat[: n * block_size], type=pa.int32())
                offsets = pa.array(np.arange(0, (n + 1) * block_size, block_size, dtype=np.int32))
                writer.write_batch(pa.record_batch([pa.ListArray.from_arrays(offsets, values)], schema=schema))
                blocks += n
            carry = flat[n * block_size :]
        if blocks == 0 and len(carry):
            values = pa.array(carry, type=pa.int32())
            offsets = pa.array(np.asarray([0, len(carry)], dtype=np.int32))
            writer.write_batch(pa.record_batch([pa.ListArray.from_arrays(offsets, values)], schema=schema))
            blocks = 1
    os.replace(tmp, path)
    return blocks


def packed_corpus(stage: StageBase, which: str, tokenizer: Any, cache_dir: Path) -> tuple[Any, LoadReport] | None:
    """The stage's ``train``/``eval`` corpus as a memory-mapped, packed ``datasets.Dataset``.

    The Arrow file is cached in ``cache_dir`` under a key of the data's content
    fingerprint, format, options, tokenizer and block size, so a resumed run
    reuses it. Returns None when the stage has no such split.

    Raises:
        FileNotFoundError: the source does not exist.
        EmptyDatasetError: no usable record, or no tokens (the report's reasons are in the message).
    """
    from datasets import Dataset

    source = getattr(stage.data, which)
    if source is None:
        return None
    key = _cache_key(stage, source, tokenizer)
    cache_dir.mkdir(parents=True, exist_ok=True)
    arrow, meta = cache_dir / f"{which}-{key}.arrow", cache_dir / f"{which}-{key}.json"
    if arrow.is_file() and meta.is_file():
        info = json.loads(meta.read_text(encoding="utf-8"))
        report = LoadReport(source=str(source), read=info["read"], loaded=info["loaded"])
        logger.info("reusing the packed %s corpus %s (%d blocks)", which, arrow, info["blocks"])
    else:
        report = LoadReport(source=str(source))
        blocks = pack_to_arrow(stream_texts(stage, which, report), tokenizer, stage.max_length, arrow)
        report.check()
        if report.loaded == 0 or blocks == 0:
            arrow.unlink(missing_ok=True)
            what = "records" if report.loaded == 0 else "tokens"
            raise EmptyDatasetError(f"{source} yielded no usable {what}.\n{report.summary()}")
        if report.rejected:
            logger.warning("%s", report.summary())
        tmp = meta.with_name(f".{meta.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"read": report.read, "loaded": report.loaded, "blocks": blocks}),
                       encoding="utf-8")
        os.replace(tmp, meta)
    return Dataset.from_file(str(arrow)), report


def _cache_key(stage: StageBase, source: str, tokenizer: Any) -> str:
    spec = {
        "data": fingerprint(source),
        "format": stage.data.format,
        "options": stage.data.options,
        "max_samples": stage.data.max_samples,
        "block": stage.max_length,
        "tokenizer": [str(getattr(tokenizer, "name_or_path", "")), len(tokenizer), tokenizer.eos_token_id],
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


def causal_collate(features: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack equal-length packed blocks; labels are the inputs (the model shifts them)."""
    import torch

    ids = torch.tensor([f["input_ids"] for f in features], dtype=torch.long)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids.clone()}


def document_positions(ids: Any, eos_id: int | None) -> Any:
    """Position ids that restart at 0 after every EOS (each EOS ends its document), row by row.

    ``ids`` is a ``(batch, length)`` tensor. Without an EOS id the positions are
    ``0..length-1``: the block is one sequence.
    """
    import torch

    batch, length = ids.shape
    steps = torch.arange(length, device=ids.device).expand(batch, length)
    if eos_id is None:
        return steps.clone()
    # A document starts at column 0 and right after each EOS.
    starts = torch.zeros_like(ids, dtype=torch.bool)
    starts[:, 0] = True
    starts[:, 1:] = ids[:, :-1] == eos_id
    last_start = torch.where(starts, steps, torch.zeros_like(steps)).cummax(dim=1).values
    return steps - last_start


def document_collate(eos_id: int | None, *, flatten: bool = False) -> Any:
    """A collator for packed blocks whose documents do not attend to each other.

    Each batch carries ``position_ids`` that restart at every document (EOS-joined),
    no ``attention_mask`` and ``use_cache=False``: transformers' mask builder then
    detects the packed format and masks attention across documents (sdpa, eager,
    flex), and RoPE restarts per document. The first token of each document is not
    a target (it is never predicted from another document). ``flatten`` puts the
    whole batch in one row with ``cu_seq_lens`` for varlen flash attention, which
    only honours packing in a single row.
    """
    import torch

    def collate(features: list[dict[str, Any]]) -> dict[str, Any]:
        ids = torch.tensor([f["input_ids"] for f in features], dtype=torch.long)
        positions = document_positions(ids, eos_id)
        labels = ids.clone()
        labels[positions == 0] = -100
        if flatten:
            ids, positions, labels = ids.reshape(1, -1), positions.reshape(1, -1), labels.reshape(1, -1)
        batch: dict[str, Any] = {"input_ids": ids, "position_ids": positions, "labels": labels, "use_cache": False}
        if flatten:
            starts = (positions[0] == 0).nonzero().view(-1)
            cu = torch.cat([starts, torch.tensor([ids.shape[1]])]).to(torch.int32)
            longest = int((cu[1:] - cu[:-1]).max())
            batch.update(cu_seq_lens_q=cu, cu_seq_lens_k=cu, max_length_q=longest, max_length_k=longest)
        return batch

    return collate
