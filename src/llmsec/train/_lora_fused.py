"""LoRA folded into the base matmul: one autograd function that keeps one copy of the input.

peft computes a LoRA linear as ``base(x) + lora_B(lora_A(dropout(x))) * scaling``:
three autograd nodes, and the input is cast to the adapter's dtype first. Under
bf16 autocast with fp32 adapter weights (peft's default) every adapter then keeps
its *own* bf16 copy of ``x`` for backward: the q, k and v projections of one layer
keep three copies of the same normed hidden states, gate and up two. (The frozen
base matmul keeps nothing: it needs only its weight for the input's gradient.)

:class:`FusedLoraLinearFn` does the same maths in one node and keeps ``x`` itself
(shared by every projection that reads it) plus ``x @ A^T`` (tokens x r, small);
backward recomputes the casts and, for a 4-bit base, dequantizes the weight again
(as bitsandbytes' own ``MatMul4Bit`` does). :func:`fuse_lora` routes every eligible
peft LoRA linear of a model through it, per instance: the module tree, the
parameters and ``save_pretrained`` are unchanged, and a call the function does not
cover (adapters disabled or merged, several active adapters, DoRA, dropout in
training, ``adapter_names``) takes peft's own forward.

With ``keep_dense=True`` (the ``dequant-once`` lever) the function keeps the
dequantized weight for backward instead of dequantizing it again there. Under
activation checkpointing that turns three dequantizations of each 4-bit weight per
step (forward, recomputation, backward) into two, for one layer's dense weights held
during that layer's backward (~110 MB for a Llama-1B block in bf16); without
checkpointing it would hold every layer's dense weights, so use it with checkpointing.
"""

from __future__ import annotations

import logging
from types import MethodType
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

logger = logging.getLogger(__name__)


def _is_4bit(base: nn.Module) -> bool:
    weight = getattr(base, "weight", None)
    return getattr(weight, "quant_state", None) is not None and type(weight).__name__ == "Params4bit"


def dense_weight(base: nn.Module, dtype: torch.dtype) -> torch.Tensor:
    """The base layer's weight, ``(out, in)``, in ``dtype`` (dequantized for a bitsandbytes 4-bit base)."""
    if _is_4bit(base):
        from bitsandbytes.functional import dequantize_4bit

        return dequantize_4bit(base.weight.data, base.weight.quant_state).to(dtype)
    return base.weight.to(dtype)


def _compute_dtypes(x: torch.Tensor, base: nn.Module, lora_a: torch.Tensor) -> tuple[torch.dtype, torch.dtype]:
    """(base matmul dtype, LoRA matmul dtype), as peft + autocast / bitsandbytes would pick them."""
    device_type = x.device.type
    if torch.is_autocast_enabled(device_type):
        dtype = torch.get_autocast_dtype(device_type)
        return dtype, dtype
    base_dtype = (getattr(base, "compute_dtype", None) or x.dtype) if _is_4bit(base) else base.weight.dtype
    return base_dtype, lora_a.dtype


class FusedLoraLinearFn(torch.autograd.Function):
    """``y = x W^T + b + (x A^T) B^T * scaling`` with a frozen ``W``, saving ``x`` once."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, lora_a: torch.Tensor, lora_b: torch.Tensor, base: nn.Module,
                scaling: float, keep_dense: bool = False) -> torch.Tensor:
        base_dtype, lora_dtype = _compute_dtypes(x, base, lora_a)
        with torch.autocast(x.device.type, enabled=False):
            bias = base.bias.to(base_dtype) if getattr(base, "bias", None) is not None else None
            weight = dense_weight(base, base_dtype)
            out = F.linear(x.to(base_dtype), weight, bias)
            if _is_4bit(base):
                out = out.to(x.dtype)  # bitsandbytes returns the input's dtype
            xa = F.linear(x.to(lora_dtype), lora_a.to(lora_dtype))
            result = (out + F.linear(xa, lora_b.to(lora_dtype)) * scaling).to(out.dtype)
        ctx.save_for_backward(x, lora_a, lora_b, xa, *([weight] if keep_dense and ctx.needs_input_grad[0] else []))
        ctx.base, ctx.scaling, ctx.dtypes = base, scaling, (base_dtype, lora_dtype)
        return result

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, lora_a, lora_b, xa, *kept = ctx.saved_tensors
        base_dtype, lora_dtype = ctx.dtypes
        g = grad.reshape(-1, grad.shape[-1])
        with torch.autocast(grad.device.type, enabled=False):
            g_lora = g.to(lora_dtype) * ctx.scaling
            g_xa = g_lora.mm(lora_b.to(lora_dtype))  # (tokens, r)
            grad_a = grad_b = grad_x = None
            if ctx.needs_input_grad[2]:
                grad_b = g_lora.t().mm(xa.reshape(-1, xa.shape[-1])).to(lora_b.dtype)
            if ctx.needs_input_grad[1]:
                grad_a = g_xa.t().mm(x.reshape(-1, x.shape[-1]).to(lora_dtype)).to(lora_a.dtype)
            if ctx.needs_input_grad[0]:
                weight = kept[0] if kept else dense_weight(ctx.base, base_dtype)
                base_part = g.to(base_dtype).mm(weight).to(x.dtype)
                grad_x = (base_part + g_xa.mm(lora_a.to(lora_dtype)).to(x.dtype)).reshape(x.shape)
        return grad_x, grad_a, grad_b, None, None, None


def _eligible_adapter(module: nn.Module, kwargs: dict[str, Any]) -> str | None:
    """The one active adapter the fused function can run, or None (then peft's forward runs)."""
    if kwargs or module.disable_adapters or module.merged:
        return None
    active = [a for a in module.active_adapters if a in module.lora_A]
    if len(active) != 1 or active[0] in getattr(module, "lora_variant", {}):
        return None
    name = active[0]
    dropout = module.lora_dropout[name]
    if module.training and not (isinstance(dropout, nn.Identity) or getattr(dropout, "p", 1.0) == 0.0):
        return None
    base = module.get_base_layer()
    if base.weight.requires_grad or (getattr(base, "bias", None) is not None and base.bias.requires_grad):
        return None
    return name


def _fused_forward(self: nn.Module, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    name = None if args else _eligible_adapter(self, kwargs)
    if name is None:
        return type(self).forward(self, x, *args, **kwargs)
    return FusedLoraLinearFn.apply(x, self.lora_A[name].weight, self.lora_B[name].weight, self.get_base_layer(),
                                   self.scaling[name], False)


def _fused_forward_keep_dense(self: nn.Module, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    name = None if args else _eligible_adapter(self, kwargs)
    if name is None:
        return type(self).forward(self, x, *args, **kwargs)
    return FusedLoraLinearFn.apply(x, self.lora_A[name].weight, self.lora_B[name].weight, self.get_base_layer(),
                                   self.scaling[name], True)


def _is_fusable(module: nn.Module) -> bool:
    from peft.tuners.lora import LoraLayer

    if not isinstance(module, LoraLayer) or not isinstance(getattr(module, "lora_A", None), nn.ModuleDict):
        return False
    base = module.get_base_layer()
    # a float weight or a 4-bit one; not bitsandbytes' 8-bit (int8 weight with separate scales)
    return isinstance(base, nn.Linear) and (base.weight.is_floating_point() or _is_4bit(base))


def fuse_lora(model: nn.Module, *, keep_dense: bool = False) -> int:
    """Route every peft LoRA linear of ``model`` (plain or bitsandbytes 4-bit base) through the fused function.

    Args:
        model: A peft model (or any module holding peft LoRA linears).
        keep_dense: Keep each dequantized weight for backward (dequantize once per pass; use it
            with activation checkpointing, see the module docstring).

    Returns:
        The number of LoRA linears now fused (0 for a model without adapters).
    """
    forward = _fused_forward_keep_dense if keep_dense else _fused_forward
    n = 0
    for module in model.modules():
        if _is_fusable(module):
            module.forward = MethodType(forward, module)
            n += 1
    logger.info("LoRA folded into the base matmul in %d linear layers", n)
    return n


def unfuse_lora(model: nn.Module) -> int:
    """Undo :func:`fuse_lora` (peft's own forward again); returns how many layers it restored."""
    n = 0
    for module in model.modules():
        if "forward" in vars(module) and getattr(module.forward, "__func__", None) in (_fused_forward,
                                                                                      _fused_forward_keep_dense):
            del module.forward
            n += 1
    return n
