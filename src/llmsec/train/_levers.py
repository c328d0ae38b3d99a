"""Speed levers for GPU training, each a switch: fused LoRA (dequantizing once), flex attention, offload, compile.

Each is measured as one row of the performance ladder (``benchmarks/bench_train_gpu.py``,
``docs/performance.md``) and kept only where it pays. :func:`apply_levers` applies
the ones asked for to a model that is ready to train (adapter attached, before
training starts) and says, for each, what it did or why it was skipped. A stage's
``levers:`` key in a recipe switches them on (``llmsec.train._common.run_training``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..config import LEVERS

__all__ = ["LEVERS", "apply_levers", "compile_decoder_layers", "decoder_layers"]

logger = logging.getLogger(__name__)

# LEVERS (the recipe's ``levers:`` names, declared once in the config schema) is in the order they
# are applied: module forwards first, the attention kernel, then the checkpointing wrapper, and
# compilation last (it traces what the others set up).


def decoder_layers(model: Any) -> list[Any]:
    """The model's repeated decoder blocks (transformers' ``GradientCheckpointingLayer`` instances)."""
    from transformers.modeling_layers import GradientCheckpointingLayer

    return [m for m in model.modules() if isinstance(m, GradientCheckpointingLayer)]


def compile_decoder_layers(model: Any, **compile_kwargs: Any) -> int:
    """Regional ``torch.compile``: compile the parts of every decoder block, in place.

    Each child of a block (attention, MLP, norms) is compiled with
    ``nn.Module.compile``, so the compiled code runs both in the forward and in a
    checkpointed block's recomputation (which calls the block's forward directly),
    the parameters and ``state_dict`` stay as they are, and the identical blocks share
    one compiled graph. Returns the number of blocks.
    """
    layers = decoder_layers(model)
    for layer in layers:
        for child in layer.children():
            child.compile(**compile_kwargs)
    logger.info("torch.compile on the parts of %d decoder blocks", len(layers))
    return len(layers)


def apply_levers(model: Any, levers: Iterable[str], *, device_type: str,
                 compile_kwargs: dict[str, Any] | None = None) -> dict[str, str]:
    """Apply the named levers to ``model`` (in place) for training on ``device_type``.

    Args:
        model: A transformers model, or a peft model around one.
        levers: Names from :data:`LEVERS`.
        device_type: ``"cuda"`` or ``"cpu"``.
        compile_kwargs: Passed to ``nn.Module.compile`` for ``compile``.

    Returns:
        For each lever, what it did (``"on: ..."``) or why it was skipped (``"skipped: ..."``).

    Raises:
        ValueError: An unknown lever name.
    """
    asked = list(levers)
    unknown = [n for n in asked if n not in LEVERS]
    if unknown:
        raise ValueError(f"unknown lever(s) {unknown}; the levers are {list(LEVERS)}")
    report: dict[str, str] = {}
    for name in (n for n in LEVERS if n in asked):
        if name in ("fused-lora", "dequant-once"):  # dequant-once is fused LoRA keeping the dense weight
            from ._lora_fused import fuse_lora

            n = fuse_lora(model, keep_dense="dequant-once" in asked)
            report[name] = f"on: {n} LoRA linears" if n else "skipped: no peft LoRA linear layers"
        elif name == "flex":
            from ._packed_attention import use_flex_attention

            why = use_flex_attention(model, device_type=device_type)
            report[name] = "on: flex_attention" if why is None else f"skipped: {why}"
        elif name == "offload":
            from ._offload import enable_offloaded_checkpointing

            report[name] = f"on: {enable_offloaded_checkpointing(model)} layers"
        else:
            report[name] = f"on: {compile_decoder_layers(model, **(compile_kwargs or {}))} blocks"
    return report
