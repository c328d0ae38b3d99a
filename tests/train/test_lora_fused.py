"""LoRA folded into the base matmul: the same outputs and gradients as peft's LoRA, one saved copy of the input."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from llmsec.train._lora_fused import fuse_lora, unfuse_lora


class QKV(nn.Module):
    """Three projections reading one input, as an attention block's q, k and v do."""

    def __init__(self, gate: bool = True) -> None:
        super().__init__()
        self.q, self.k, self.v = (nn.Linear(32, 32, bias=False) for _ in range(3))
        self.gate = gate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.gate:  # a sum keeps nothing for backward: only the projections' saved tensors count
            return self.q(x) + self.k(x) + self.v(x)
        return self.q(x) * self.k(x).sigmoid() + self.v(x)


def _peft(model: nn.Module, targets: list[str] | str, **kw: object) -> nn.Module:
    from peft import LoraConfig, get_peft_model

    from llmsec.models._compat import peft_model_warnings

    torch.manual_seed(1)
    with peft_model_warnings():
        return get_peft_model(model, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=targets,
                                                init_lora_weights=False, **kw))


def _run(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    x = x.clone().requires_grad_(True)
    model.zero_grad(set_to_none=True)
    out = model(x)
    out.pow(2).mean().backward()
    return out.detach(), x.grad, {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def _assert_same(a: tuple, b: tuple, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    torch.testing.assert_close(a[0], b[0], rtol=rtol, atol=atol)
    torch.testing.assert_close(a[1], b[1], rtol=rtol, atol=atol)
    assert a[2].keys() == b[2].keys() and a[2]
    for name in a[2]:
        torch.testing.assert_close(a[2][name], b[2][name], rtol=rtol, atol=atol, msg=name)


def test_fused_equals_peft_forward_and_backward() -> None:
    torch.manual_seed(0)
    model = _peft(QKV(), ["q", "k", "v"])
    x = torch.randn(2, 5, 32)
    reference = _run(model, x)
    assert fuse_lora(model) == 3
    fused = _run(model, x)
    _assert_same(fused, reference)
    assert unfuse_lora(model) == 3
    _assert_same(_run(model, x), reference)


def test_fused_tiny_llama_equals_peft(tiny_llama_dir: Path) -> None:
    from transformers import AutoModelForCausalLM

    model = _peft(AutoModelForCausalLM.from_pretrained(tiny_llama_dir), "all-linear").train()
    ids = torch.randint(5, 300, (2, 12), generator=torch.Generator().manual_seed(3))

    def step() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        model.zero_grad(set_to_none=True)
        out = model(input_ids=ids, labels=ids)
        out.loss.backward()
        return out.logits.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}

    logits, grads = step()
    assert fuse_lora(model) == 14  # 2 layers x 7 linears; the LM head is not a target
    fused_logits, fused_grads = step()
    torch.testing.assert_close(fused_logits, logits, rtol=1e-5, atol=1e-6)
    for name, g in grads.items():
        torch.testing.assert_close(fused_grads[name], g, rtol=1e-5, atol=1e-6, msg=name)


def test_fused_on_a_4bit_base_equals_peft() -> None:
    model = _qkv_4bit()
    assert type(model.base_model.model.q).__module__.endswith("lora.bnb")  # peft's 4-bit LoRA layer
    x = torch.randn(2, 5, 32)
    reference = _run(model, x)
    assert fuse_lora(model) == 3
    _assert_same(_run(model, x), reference)


def _qkv_4bit() -> nn.Module:
    bnb = pytest.importorskip("bitsandbytes")
    torch.manual_seed(0)
    model = QKV()
    for name in ("q", "k", "v"):
        dense = getattr(model, name)
        q = bnb.nn.Linear4bit(32, 32, bias=False, compute_dtype=torch.float32, quant_type="nf4")
        q.weight = bnb.nn.Params4bit(dense.weight.data.clone(), requires_grad=False, quant_type="nf4")
        q.weight = q.weight._quantize("cpu")
        setattr(model, name, q)
    model.is_loaded_in_4bit = True  # what transformers sets on a 4-bit model; peft then picks its bnb LoRA layer
    return _peft(model, ["q", "k", "v"])


def test_dequant_once_keeps_the_dense_weight_for_backward(monkeypatch: pytest.MonkeyPatch) -> None:
    """keep_dense: one dequantization per 4-bit weight per forward + backward instead of two; same gradients."""
    import llmsec.train._lora_fused as fused_mod

    model = _qkv_4bit()
    x = torch.randn(2, 5, 32)
    calls = []
    real = fused_mod.dense_weight
    monkeypatch.setattr(fused_mod, "dense_weight", lambda base, dtype: calls.append(base) or real(base, dtype))
    fuse_lora(model)
    twice = _run(model, x)
    assert len(calls) == 6  # 3 projections x (forward + backward)
    calls.clear()
    fuse_lora(model, keep_dense=True)
    once = _run(model, x)
    assert len(calls) == 3
    _assert_same(once, twice, rtol=0, atol=0)


def _saved_activation_bytes(model: nn.Module, x: torch.Tensor) -> int:
    """Bytes of the distinct non-parameter tensors autograd keeps for backward."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    kept: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        ptr = t.untyped_storage().data_ptr()
        if ptr not in params:
            kept[ptr] = t.untyped_storage().nbytes()
        return t

    with torch.autocast("cpu", dtype=torch.bfloat16), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    return sum(kept.values())


def test_fused_keeps_one_copy_of_the_input_under_autocast() -> None:
    """peft's fp32 adapters under bf16 autocast keep a bf16 copy of x each; the fused function keeps x once."""
    torch.manual_seed(0)
    model = _peft(QKV(gate=False).to(torch.bfloat16), ["q", "k", "v"])
    for p in model.parameters():
        if p.requires_grad:
            p.data = p.data.float()  # peft's default: adapter weights in fp32 on a bf16 base
    x = torch.randn(64, 32, dtype=torch.bfloat16, requires_grad=True)
    peft_bytes = _saved_activation_bytes(model, x)
    fuse_lora(model)
    fused_bytes = _saved_activation_bytes(model, x)
    x_bytes = x.numel() * x.element_size()
    xa_bytes = 3 * 64 * 4 * 2  # each projection's x @ A^T (tokens x r, bf16), which peft's lora_B keeps too
    assert peft_bytes >= 3 * x_bytes + xa_bytes  # one bf16 cast copy of x per adapter
    assert fused_bytes == x_bytes + xa_bytes  # x itself, once


def test_calls_the_fused_function_does_not_cover_take_peft_forward() -> None:
    torch.manual_seed(0)
    model = _peft(QKV(), ["q", "k", "v"])
    x = torch.randn(3, 32)
    fuse_lora(model)
    with model.disable_adapter():
        disabled = model(x)
    base = QKV()
    base.load_state_dict({k.replace("base_model.model.", "").replace(".base_layer", ""): v
                          for k, v in model.state_dict().items() if "lora_" not in k})
    torch.testing.assert_close(disabled, base(x))  # the base alone: the fused (adapted) path did not run
    assert not torch.allclose(model(x), disabled)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fused_on_cuda_4bit_bf16_autocast_matches_peft() -> None:
    """The benchmark's setting: an nf4 base with bf16 compute under bf16 autocast."""
    bnb = pytest.importorskip("bitsandbytes")
    torch.manual_seed(0)
    model = QKV()
    for name in ("q", "k", "v"):
        dense = getattr(model, name)
        q = bnb.nn.Linear4bit(32, 32, bias=False, compute_dtype=torch.bfloat16, quant_type="nf4")
        q.weight = bnb.nn.Params4bit(dense.weight.data.to(torch.bfloat16), requires_grad=False, quant_type="nf4")
        setattr(model, name, q)
    model.is_loaded_in_4bit = True
    model = _peft(model.cuda(), ["q", "k", "v"])  # moving to CUDA quantizes; fp32 adapters, as peft makes them
    x = torch.randn(2, 64, 32, device="cuda", dtype=torch.bfloat16)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        reference = _run(model, x)
        assert fuse_lora(model) == 3
        fused = _run(model, x)
    _assert_same(fused, reference, rtol=2e-2, atol=2e-2)  # bf16: different rounding order, same maths
