"""The GPU fast path: training defaults that pay on CUDA, and document-masked packing.

Nothing here changes the CPU path: :func:`fast_path_settings` returns an empty
mapping without CUDA, and :func:`build_training_args` lays the user's
``trainer:`` keys over whatever it returns (user keys win).
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
from functools import cache
from typing import Any

from ..config import stage_spec

logger = logging.getLogger(__name__)

# Attention implementations that honour packed position_ids (transformers'
# masking_utils detects restarting positions when attention_mask is None; the
# flash kernels only do so in one flattened row, see ``needs_flat_batch``).
PACKING_AWARE_ATTENTION = ("eager", "sdpa", "flex_attention", "flash_attention_2", "flash_attention_3")


@cache
def liger_available() -> bool:
    """Whether liger-kernel is importable (fused RMSNorm / SwiGLU / RoPE / cross-entropy)."""
    return importlib.util.find_spec("liger_kernel") is not None


@cache
def bnb_cuda_available() -> bool:
    """Whether bitsandbytes is installed and a CUDA device is present (its 8-bit paged optimizers)."""
    if importlib.util.find_spec("bitsandbytes") is None:
        return False
    import torch

    return torch.cuda.is_available()


def fast_path_settings(stage_kind: str, *, cuda: bool, activation_checkpointing: bool = False) -> dict[str, Any]:
    """The ``TrainingArguments`` / ``SFTConfig`` defaults that pay on a CUDA GPU; empty on the CPU.

    Args:
        stage_kind: a registered stage kind (``"pretrain"``, ``"instruct"``, ``"transfer"``, ...).
        cuda: whether training runs on a CUDA device; without it nothing is set.
        activation_checkpointing: keep checkpointing on (only when memory requires it;
            it costs about a third more compute).

    Returns:
        bf16 mixed precision, checkpointing off, pinned memory; the kind's own
        ``StageSpec.fast_path`` (``instruct``: BFD packing with padding-free batches);
        ``use_liger_kernel`` where liger-kernel is importable; the paged 8-bit AdamW
        where bitsandbytes has CUDA.
    """
    if not cuda:
        return {}
    settings: dict[str, Any] = {
        "bf16": True,
        "activation_checkpointing": activation_checkpointing,
        "dataloader_pin_memory": True,
    }
    settings.update(stage_spec(stage_kind).fast_path)
    if liger_available():
        settings["use_liger_kernel"] = True
    if bnb_cuda_available():
        settings["optim"] = "paged_adamw_8bit"
    return settings


def _base_model(model: Any) -> Any:
    get = getattr(model, "get_base_model", None)
    return get() if callable(get) else model


def supports_document_mask(model: Any) -> bool:
    """Whether ``model`` keeps packed documents apart from ``position_ids`` alone.

    True for models whose forward takes ``position_ids`` and whose attention
    implementation is one that transformers' mask builder handles for packed rows.
    """
    base = _base_model(model)
    if "position_ids" not in inspect.signature(base.forward).parameters:
        return False
    impl = getattr(getattr(base, "config", None), "_attn_implementation", None)
    return impl in PACKING_AWARE_ATTENTION


def needs_flat_batch(model: Any) -> bool:
    """Whether the batch must be one flattened row (varlen flash attention ignores packing across rows)."""
    impl = getattr(getattr(_base_model(model), "config", None), "_attn_implementation", None) or ""
    return impl.startswith("flash_attention")


def add_chunked_lm_head(model: Any) -> None:
    """Give ``model`` trl's fused LM head (``add_fused_lm_head``), as trl's SFTTrainer does.

    A forward called with ``fused_lm_head=True`` then projects the hidden states
    through the LM head and takes the cross-entropy tile by tile (Triton on CUDA,
    torch elsewhere), so the ``(tokens, vocabulary)`` logits are never whole; the
    loss is the model's own (sum over targets / ``num_items_in_batch``). Calls
    without the flag (generation, evaluation outside training) are unchanged.
    """
    from trl.trainer.utils import add_fused_lm_head

    add_fused_lm_head(_base_model(model))


def keep_liger_off_the_lm_head(args: Any) -> None:
    """Turn off liger's own fused cross-entropy (kept: its RMSNorm / SwiGLU / RoPE kernels).

    With ``use_liger_kernel`` the trainer applies liger when it is built, and liger's
    fused cross-entropy replaces the model's forward, which would drop trl's chunked
    head; trl's SFTTrainer does the same for its own head.
    """
    if getattr(args, "use_liger_kernel", False):
        args.liger_kernel_config = {**(args.liger_kernel_config or {}), "fused_linear_cross_entropy": False}


def with_fused_lm_head(collate: Any) -> Any:
    """Wrap a collator so that every batch asks the model for its fused LM head loss."""

    def fused(features: list[dict[str, Any]]) -> dict[str, Any]:
        return {**collate(features), "fused_lm_head": True}

    return fused


def pretrain_collate(model: Any, eos_id: int | None, *, document_mask: bool, fused_lm_head: bool = False) -> Any:
    """The collator for a DomainPretrainer: document-masked when asked for and supported, else plain blocks.

    With ``fused_lm_head`` every batch carries the flag of :func:`add_chunked_lm_head`.
    """
    collate = _pretrain_collate(model, eos_id, document_mask=document_mask)
    return with_fused_lm_head(collate) if fused_lm_head else collate


def _pretrain_collate(model: Any, eos_id: int | None, *, document_mask: bool) -> Any:
    from ._corpus import causal_collate, document_collate

    if not document_mask:
        return causal_collate
    if eos_id is None or not supports_document_mask(model):
        impl = getattr(getattr(_base_model(model), "config", None), "_attn_implementation", None)
        why = "the tokenizer has no EOS token" if eos_id is None else f"attention {impl!r} ignores packed positions"
        logger.warning(
            "document_mask is on but %s; documents in a block will attend to each other "
            "(set document_mask: false to silence this)", why,
        )
        return causal_collate
    return document_collate(eos_id, flatten=needs_flat_batch(model))


def apply_training_levers(model: Any, levers: list[str], *, device_type: str) -> dict[str, str]:
    """Apply the speed levers named: ``fused-lora``, ``dequant-once``, ``flex``, ``offload``, ``compile``.

    None is on by default: each is a row of the performance ladder
    (``benchmarks/bench_train_gpu.py``) and becomes a default only where a GPU run
    shows it pays. A recipe switches them on with a stage's ``levers:`` key (applied
    by ``run_training`` once the trainer is built, before it trains). Call it on the
    model with its adapter attached, before training; with ``offload`` keep the
    trainer's ``activation_checkpointing`` off.

    Returns:
        For each lever, what it did or why it was skipped.
    """
    from ._levers import apply_levers

    return apply_levers(model, levers, device_type=device_type)
