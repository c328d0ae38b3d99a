"""Packed-document attention through ``flex_attention`` with a document block mask.

A packed batch (trl's padding-free BFD rows, or :func:`llmsec.train._corpus.document_collate`
blocks) carries ``position_ids`` that restart at 0 for every document and no
``attention_mask``. With ``sdpa``, transformers turns that into a dense
``(batch, 1, tokens, tokens)`` boolean mask: for trl's one flattened row of
8 x 2048 tokens that is a 16,384 x 16,384 mask (268 MB), and sdpa with an
arbitrary mask cannot use its flash kernel, so every query attends (and is then
masked) over all 16,384 keys: about as many attention FLOPs as the whole model's
matmuls at this shape, most of them thrown away.

With ``flex_attention``, transformers' mask builder makes a ``BlockMask`` from the
same ``position_ids`` (causal AND same-document, in 128 x 128 tiles) and the
compiled flex kernel skips the tiles that are wholly masked: attention costs the
sum of the documents' squared lengths, not the row's. :func:`use_flex_attention`
switches a loaded model to it where that works; nothing else changes (the same
collators, the same ``position_ids``).

torch 2.13 has no flex_attention backward on the CPU, so training there keeps sdpa.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
from typing import Any

logger = logging.getLogger(__name__)


def _base(model: Any) -> Any:
    get = getattr(model, "get_base_model", None)
    return get() if callable(get) else model


def flex_unavailable(model: Any, *, device_type: str, training: bool = True) -> str | None:
    """Why ``model`` cannot run packed documents through flex_attention here, or None when it can."""
    if importlib.util.find_spec("torch.nn.attention.flex_attention") is None:
        return "this torch has no torch.nn.attention.flex_attention"
    if training and device_type != "cuda":
        return f"flex_attention has no backward on {device_type!r} (torch trains it on CUDA only)"
    base = _base(model)
    if not getattr(base, "_supports_flex_attn", False):
        return f"{type(base).__name__} does not support flex_attention in transformers"
    if "position_ids" not in inspect.signature(base.forward).parameters:
        return f"{type(base).__name__}.forward takes no position_ids (packed documents need them)"
    return None


def use_flex_attention(model: Any, *, device_type: str, training: bool = True) -> str | None:
    """Switch ``model``'s attention to flex_attention (document block mask from packed ``position_ids``).

    Args:
        model: A transformers model, or a peft model around one.
        device_type: Where it runs (``"cuda"``, ``"cpu"``).
        training: Whether it will be trained (flex has a backward on CUDA only).

    Returns:
        None when switched; otherwise the reason it was not (the model is unchanged).
    """
    why = flex_unavailable(model, device_type=device_type, training=training)
    if why is not None:
        logger.warning("flex_attention not used: %s; attention stays %r", why,
                       getattr(_base(model).config, "_attn_implementation", None))
        return why
    _base(model).set_attn_implementation("flex_attention")
    logger.info("attention: flex_attention with a document block mask for packed batches")
    return None
