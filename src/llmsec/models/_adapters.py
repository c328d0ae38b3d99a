"""Make a loaded model trainable: full weights, or a LoRA / DoRA / QLoRA adapter through peft."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from llmsec.config import AdapterConfig

from ._compat import peft_model_warnings
from ._load import HEAD_NAMES
from ._quant import is_quantized
from ._vocab import trainable_token_indices

if TYPE_CHECKING:
    from torch import nn

logger = logging.getLogger(__name__)

Task = Literal["causal-lm", "classifier"]


def attach_adapter(
    model: nn.Module, adapter: AdapterConfig, *, task: Task, trainable_tokens: Sequence[int] | None = None
) -> nn.Module:
    """Prepare ``model`` for training as ``adapter`` says.

    ``full`` makes every parameter trainable and returns the model itself.
    ``lora``, ``dora`` and ``qlora`` wrap it in a peft LoRA model (``use_dora``
    for DoRA; a quantized base is first prepared with
    ``peft.prepare_model_for_kbit_training``, without gradient checkpointing).
    For a classifier the head (``score`` or ``classifier``) is trained in full
    and saved with the adapter (``modules_to_save``).

    Args:
        model: A model from :func:`load_model`.
        adapter: The recipe's adapter section.
        task: ``"causal-lm"`` or ``"classifier"``.
        trainable_tokens: Embedding rows (token ids) that train in full beside
            the adapter, e.g. the tokens a domain vocabulary added (peft
            ``trainable_token_indices``, input and output embeddings). Full
            training trains them anyway.

    Returns:
        The trainable model (a ``peft.PeftModel`` for adapter methods).

    Raises:
        ValueError: Full training of a quantized model, QLoRA on a model that
            was not loaded quantized, or a classifier without a known head.
    """
    if task not in ("causal-lm", "classifier"):
        raise ValueError(f"task must be 'causal-lm' or 'classifier', got {task!r}")
    quantized = is_quantized(model)
    if adapter.method == "full":
        if quantized:
            raise ValueError("adapter method 'full' cannot train quantized weights: load the model "
                             "without quantization, or use method qlora/lora/dora")
        for param in model.parameters():
            param.requires_grad_(True)
        return model
    if adapter.method == "qlora" and not quantized:
        raise ValueError(
            "adapter method 'qlora' needs a base loaded quantized: "
            "load_model(..., quantization=adapter.quantization), or use method 'lora'"
        )

    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    modules_to_save = [classifier_head_name(model)] if task == "classifier" else None
    if quantized:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    config = LoraConfig(
        r=adapter.r,
        lora_alpha=adapter.alpha,
        lora_dropout=adapter.dropout,
        target_modules=_target_modules(model, adapter, modules_to_save),
        use_dora=adapter.method == "dora",
        task_type="SEQ_CLS" if task == "classifier" else "CAUSAL_LM",
        modules_to_save=modules_to_save,
        trainable_token_indices=trainable_token_indices(model, trainable_tokens) if trainable_tokens else None,
        layers_to_transform=_top_layers(model, adapter.top_layers),
    )
    with peft_model_warnings():
        peft_model = get_peft_model(model, config)
    trainable, total = trainable_parameters(peft_model)
    logger.info("%s adapter attached: %d of %d parameters trainable (%.2f%%)",
                adapter.method, trainable, total, 100 * trainable / max(total, 1))
    return peft_model


def _top_layers(model: nn.Module, top: int | None) -> list[int] | None:
    """Indices of the last ``top`` transformer blocks (None: every block).

    Adapting only the top blocks is classic transfer learning, and cheap: the
    backward pass stops at the lowest block that has trainable weights.
    """
    if top is None:
        return None
    n = getattr(model.config, "num_hidden_layers", None)
    if not n:
        raise ValueError("adapter.top_layers needs a model whose config has num_hidden_layers")
    if top > n:
        raise ValueError(f"adapter.top_layers is {top} but the model has only {n} layers")
    return list(range(n - top, n))


def _target_modules(model: nn.Module, adapter: AdapterConfig, head: list[str] | None) -> str | list[str]:
    """The recipe's targets.

    ``all-linear`` is spelled out as module names on a classifier (so the head
    is not LoRA'd) and with ``top_layers`` (peft selects layers only among
    named targets); the output projection ``lm_head`` is never a target.
    """
    if adapter.target_modules != "all-linear":
        return list(adapter.target_modules)
    if not head and adapter.top_layers is None:
        return "all-linear"
    from torch import nn

    skip = {*(head or []), "lm_head"}
    names = {
        name.rsplit(".", 1)[-1]
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and name.split(".")[0] not in skip and name.rsplit(".", 1)[-1] not in skip
    }
    if not names:
        raise ValueError("target_modules 'all-linear' found no linear layer outside the head "
                         f"{head}: name target_modules explicitly")
    return sorted(names)


def classifier_head_name(model: nn.Module) -> str:
    """The attribute that holds a sequence classifier's head: ``score`` (decoders) or ``classifier``."""
    for name in HEAD_NAMES:
        if getattr(model, name, None) is not None:
            return name
    raise ValueError(f"{type(model).__name__} has no classification head named {' or '.join(HEAD_NAMES)}: "
                     "load it with load_model(..., head='classifier')")


def trainable_parameters(model: nn.Module) -> tuple[int, int]:
    """``(trainable, total)`` parameter counts; a 4-bit weight counts its unpacked size."""
    trainable = total = 0
    for param in model.parameters():
        count = param.numel()
        if param.__class__.__name__ == "Params4bit":
            storage = getattr(param, "quant_storage", None)
            count *= 2 * (storage.itemsize if storage is not None else 1)
        total += count
        if param.requires_grad:
            trainable += count
    return trainable, total
