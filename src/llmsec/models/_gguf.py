"""GGUF -> safetensors, once, into a cache directory (atomic, safe when processes race)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

STAMP = "llmsec-source.json"
# How a GGUF is converted; a cache written by an older conversion is converted again.
# 2: the tokenizer's special tokens and decoder are checked against the GGUF metadata.
CONVERSION = 2


def source_stamp(gguf: Path) -> dict[str, object]:
    """What identifies a GGUF file cheaply: its resolved path, size and modification time."""
    st = gguf.stat()
    return {"gguf": str(gguf.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def conversion_stamp(gguf: Path) -> dict[str, object]:
    """What a finished conversion records: the source's stamp and the conversion's version."""
    return {**source_stamp(gguf), "conversion": CONVERSION}


def is_converted(out_dir: Path, gguf: Path | None = None) -> bool:
    """Whether ``out_dir`` holds a finished conversion (of ``gguf``, when given)."""
    stamp = out_dir / STAMP
    if not (stamp.is_file() and (out_dir / "config.json").is_file()):
        return False
    if gguf is None:
        return True
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    current = conversion_stamp(gguf)
    return all(recorded.get(k) == current[k] for k in ("size", "mtime_ns", "conversion"))


def convert_gguf(gguf: Path, out_dir: Path) -> Path:
    """Convert ``gguf`` into a Hugging Face directory at ``out_dir`` unless already done.

    transformers de-quantizes the GGUF on load but flags the model quantized, so
    it refuses ``save_pretrained``; the model is rebuilt from its config, given
    the de-quantized state dict and saved as safetensors with its tokenizer
    (chat template included). The result is written to a temporary folder and
    renamed into place, so a reader never sees half a conversion and two racing
    processes both end with one complete copy.

    Args:
        gguf: The ``.gguf`` file.
        out_dir: The cache folder to create.

    Returns:
        ``out_dir``.
    """
    if is_converted(out_dir, gguf):
        return out_dir
    from .._optional import require

    require("gguf", f"reading the GGUF model {gguf.name}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    start = time.perf_counter()
    logger.info("converting %s to safetensors in %s (once)", gguf, out_dir)
    try:
        _convert(gguf, tmp)
        _publish(tmp, out_dir, gguf)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info("converted %s in %.1f s", gguf.name, time.perf_counter() - start)
    return out_dir


def _convert(gguf: Path, tmp: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config._name_or_path = ""
    config.__dict__.pop("_model_name_or_path", None)  # the GGUF's general.name, not a path
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(loaded.state_dict(), strict=False)
    if unexpected or [k for k in missing if k not in _tied_keys(model)]:
        raise RuntimeError(f"GGUF conversion of {gguf}: missing {missing}, unexpected {unexpected}")
    model.tie_weights()
    del loaded

    repair_tokenizer(tokenizer, gguf)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    max_positions = getattr(config, "max_position_embeddings", None)
    if max_positions and tokenizer.model_max_length > 10**9:
        tokenizer.model_max_length = max_positions
    for cfg in (model.config, model.generation_config):
        cfg.bos_token_id = tokenizer.bos_token_id
        cfg.eos_token_id = tokenizer.eos_token_id
        cfg.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / STAMP).write_text(json.dumps(conversion_stamp(gguf), indent=2))


def repair_tokenizer(tokenizer: Any, gguf: Path) -> list[str]:
    """Make a tokenizer read from ``gguf`` agree with the file's own metadata; returns what was fixed.

    Older transformers (seen on 5.17) read SmolLM2's GGUF with ``<|im_start|>`` as
    EOS (the file says id 2, ``<|im_end|>``) and put SentencePiece decoders in
    front of its byte-level BPE (``Ġ`` left in decoded text). The special tokens
    are set from the ``tokenizer.ggml.*_token_id`` fields, and a ``gpt2`` (byte-level
    BPE) tokenizer gets the byte-level decoder. Nothing changes where they agree.
    """
    from gguf import GGUFReader
    from tokenizers import decoders

    fields = GGUFReader(str(gguf)).fields

    def value(key: str) -> Any:
        field = fields.get(key)
        return field.contents() if field is not None else None

    fixed = []
    for attr, key in (("bos_token", "bos_token_id"), ("eos_token", "eos_token_id"), ("pad_token", "padding_token_id")):
        token_id = value(f"tokenizer.ggml.{key}")
        if token_id is None or not 0 <= int(token_id) < len(tokenizer):
            continue
        token = tokenizer.convert_ids_to_tokens(int(token_id))
        if getattr(tokenizer, attr) != token:
            fixed.append(f"{attr} {getattr(tokenizer, attr)!r} -> {token!r}")
            setattr(tokenizer, attr, token)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if value("tokenizer.ggml.model") == "gpt2" and backend is not None \
            and not isinstance(backend.decoder, decoders.ByteLevel):
        fixed.append("decoder -> ByteLevel")
        backend.decoder = decoders.ByteLevel()
    if fixed:
        logger.info("%s: tokenizer repaired to match the GGUF metadata: %s", gguf.name, "; ".join(fixed))
    return fixed


def _tied_keys(model: object) -> set[str]:
    tied = getattr(model, "all_tied_weights_keys", None) or getattr(model, "_tied_weights_keys", None) or {}
    return set(tied)


def _publish(tmp: Path, out_dir: Path, gguf: Path) -> None:
    """Rename ``tmp`` to ``out_dir``; a stale or lost-race ``out_dir`` is handled."""
    if out_dir.exists() and not is_converted(out_dir, gguf):
        stale = out_dir.parent / f".{out_dir.name}.stale-{uuid.uuid4().hex[:8]}"
        try:
            out_dir.rename(stale)
            shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            pass
    try:
        tmp.rename(out_dir)
    except OSError:
        if not is_converted(out_dir, gguf):  # someone else's copy is not there either: a real error
            raise
        logger.debug("another process finished %s first; keeping its copy", out_dir)
