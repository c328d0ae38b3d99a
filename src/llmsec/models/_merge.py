"""Fold a peft adapter into its base: a plain Hugging Face directory that needs no peft."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from llmsec.config import ModelConfig

from ._builtin import ModelNotFoundError
from ._compat import peft_model_warnings
from ._load import _adapter_base, adapter_labels, load_model, load_tokenizer
from ._resolve import is_adapter_dir, read_adapter_config

logger = logging.getLogger(__name__)


def merge_adapter(checkpoint_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> Path:
    """Merge an adapter checkpoint into its (full-precision) base and save the result.

    The base named in ``adapter_config.json`` is loaded unquantized (also for
    QLoRA adapters), the adapter applied and merged (``merge_and_unload``), and
    the model saved as safetensors with the tokenizer, so plain transformers
    loads ``out_dir``. Classifier adapters (task_type ``SEQ_CLS``) keep their
    trained head and labels.

    Args:
        checkpoint_dir: The peft adapter checkpoint.
        out_dir: Where to write the merged model.

    Returns:
        ``out_dir`` as a Path.
    """
    from peft import PeftModel

    checkpoint = Path(checkpoint_dir)
    if not is_adapter_dir(checkpoint):
        raise ModelNotFoundError(f"{checkpoint} is not a peft adapter checkpoint (no adapter_config.json): "
                                 "pass the directory a LoRA/DoRA/QLoRA stage saved")
    task = read_adapter_config(checkpoint).get("task_type")
    base_cfg = ModelConfig(name=_adapter_base(checkpoint))
    if task == "SEQ_CLS":
        base = load_model(base_cfg, head="classifier", labels=adapter_labels(checkpoint))
    else:
        base = load_model(base_cfg, head="causal-lm")
    tokenizer = load_tokenizer(str(checkpoint))
    if len(tokenizer) > base.get_input_embeddings().num_embeddings:  # an extended vocabulary (llmsec vocab):
        base.resize_token_embeddings(len(tokenizer), mean_resizing=False)  # the adapter holds the new rows
    with peft_model_warnings():
        peft_model = PeftModel.from_pretrained(base, str(checkpoint))
    merged = peft_model.merge_and_unload()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out)
    tokenizer.save_pretrained(out)
    logger.info("merged adapter %s into %s -> %s", checkpoint, base_cfg.name, out)
    return out
