"""bitsandbytes quantization of a frozen base: the config, and CPU specifics."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llmsec.config import QuantizationConfig

if TYPE_CHECKING:
    from torch import nn
    from transformers import BitsAndBytesConfig

logger = logging.getLogger(__name__)


def bnb_config(
    quantization: QuantizationConfig, *, skip_modules: Sequence[str] | None = None
) -> BitsAndBytesConfig:
    """The transformers ``BitsAndBytesConfig`` for a recipe's quantization section.

    4-bit: ``quant_type`` (nf4/fp4), double quantization, the compute dtype and
    the storage dtype of the packed weights (bf16 for FSDP);
    8-bit: LLM.int8(). Both run on CUDA and, more slowly, on the CPU
    (bitsandbytes >= 0.45).

    Args:
        quantization: The recipe's quantization section.
        skip_modules: Module names kept in full precision (a classifier's head,
            which is trained in full); None keeps transformers' default (the LM head).

    Raises:
        ImportError: bitsandbytes is not installed.
    """
    import torch
    from transformers import BitsAndBytesConfig

    if importlib.util.find_spec("bitsandbytes") is None:
        raise ImportError(
            f"quantization to {quantization.bits} bits needs bitsandbytes, which is not installed: "
            "pip install 'bitsandbytes>=0.45' (or drop adapter.quantization / use method lora)"
        )
    skip = list(skip_modules) if skip_modules is not None else None
    if quantization.bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=skip)
    return BitsAndBytesConfig(
        load_in_4bit=True,
        llm_int8_skip_modules=skip,
        bnb_4bit_quant_type=quantization.quant_type,
        bnb_4bit_use_double_quant=quantization.double_quant,
        bnb_4bit_compute_dtype=getattr(torch, quantization.compute_dtype),
        bnb_4bit_quant_storage=getattr(torch, quantization.quant_storage),
    )


def quantized_load_kwargs(
    quantization: QuantizationConfig, *, skip_modules: Sequence[str] | None = None
) -> dict[str, Any]:
    """``from_pretrained`` keyword arguments for a quantized load on this process's device."""
    import os

    import torch

    from .._optional import require

    require("bitsandbytes", f"{quantization.bits}-bit quantization (qlora, quantization:)")
    if torch.cuda.is_available():
        device_map: Any = {"": int(os.environ.get("LOCAL_RANK", "0"))}
    else:
        device_map = "cpu"
        logger.info("loading a %d-bit bitsandbytes model on the CPU: it works, slowly", quantization.bits)
    return {"quantization_config": bnb_config(quantization, skip_modules=skip_modules), "device_map": device_map}


def is_quantized(model: nn.Module) -> bool:
    """Whether ``model`` was loaded with bitsandbytes 4-bit or 8-bit weights."""
    return bool(getattr(model, "is_loaded_in_4bit", False) or getattr(model, "is_loaded_in_8bit", False))


def disable_cpu_4bit_packing(model: nn.Module) -> int:
    """Keep bitsandbytes' 4-bit CPU layers on their plain (trainable) path; returns how many.

    bitsandbytes 0.50 repacks a ``Linear4bit`` weight for a fast AVX512-BF16 kernel
    the first time it runs on the CPU in eval mode without gradients. That repacking
    (1) fails with ``AssertionError: N must be divisible by block_n`` for layers
    whose output size is not a multiple of 32 (tiny test models), and (2) is not
    differentiable: training after an evaluation then back-propagates through
    ``gemv_4bit``, which has no autograd kernel, and the gradients are silently
    wrong (measured: the LoRA gradients of the first layer halve). The layer's
    own ``support_avx512bf16_for_cpu`` switch turns the repacking off; this sets
    it on each CPU 4-bit layer. It can go when bitsandbytes makes the packed path
    differentiable or reverts it before training.
    """
    count = 0
    for module in model.modules():
        if hasattr(module, "support_avx512bf16_for_cpu"):
            weight = getattr(module, "weight", None)
            if weight is None or weight.device.type == "cpu":
                module.support_avx512bf16_for_cpu = False
                count += 1
    return count
