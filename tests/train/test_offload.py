"""Offloaded activation checkpointing gives exactly the gradients of plain checkpointing (tiny Llama, LoRA)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from llmsec.train._offload import OffloadStats, enable_offloaded_checkpointing

HIDDEN = 16  # tests/tiny.py's hidden size


def _lora_llama(path: Path, device: str = "cpu") -> torch.nn.Module:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from llmsec.models._compat import peft_model_warnings

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(path, attn_implementation="sdpa").to(device)
    torch.manual_seed(1)
    with peft_model_warnings():
        model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules="all-linear",
                                                 init_lora_weights=False))  # non-zero B: every adapter learns
    model.config.use_cache = False
    return model.train()


def _packed_batch(device: str = "cpu") -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(5, 300, (2, 24), generator=g)
    pos = torch.cat([torch.arange(10), torch.arange(14)]).repeat(2, 1)  # two documents per row
    return {"input_ids": ids.to(device), "position_ids": pos.to(device), "labels": ids.to(device)}


def _plain_checkpointing(model: torch.nn.Module) -> None:
    """transformers' own (non-re-entrant) checkpointing; 5.24 renamed gradient_ to activation_checkpointing."""
    enable = getattr(model, "activation_checkpointing_enable", None)
    if enable is not None:
        enable(activation_checkpointing_kwargs={"use_reentrant": False})
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})


def _grads(model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> tuple[float, dict[str, torch.Tensor]]:
    model.zero_grad(set_to_none=True)
    loss = model(**batch).loss
    loss.backward()
    return loss.item(), {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def test_offloaded_checkpointing_equals_plain_checkpointing(tiny_llama_dir: Path) -> None:
    batch = _packed_batch()
    plain = _lora_llama(tiny_llama_dir)
    _plain_checkpointing(plain)
    loss_plain, grads_plain = _grads(plain, batch)

    none = _lora_llama(tiny_llama_dir)
    loss_none, grads_none = _grads(none, batch)

    offload = _lora_llama(tiny_llama_dir)
    stats = OffloadStats()
    assert enable_offloaded_checkpointing(offload, stats) == 2
    loss_off, grads_off = _grads(offload, batch)

    assert loss_off == loss_plain == loss_none
    assert grads_off.keys() == grads_plain.keys() and len(grads_off) == 2 * 7 * 2  # 2 layers x 7 linears x A, B
    for name, g in grads_off.items():
        assert torch.equal(g, grads_plain[name]), name
        assert torch.equal(g, grads_none[name]), name
        assert g.abs().sum() > 0, name  # the first layer's adapters too (the anchor), not silently skipped
    # Each layer kept exactly one large tensor for backward: its input hidden states (2 x 24 x 16).
    assert stats.shapes == [(2, 24, HIDDEN)] * 2
    assert stats.offloaded == 0  # on the CPU nothing moves: offloading to where it already lives would only copy


def test_layer_input_needs_no_grad_for_adapters_to_train(tiny_llama_dir: Path) -> None:
    """The embeddings are frozen, so the first layer's input needs no grad; its adapters must still learn."""
    model = _lora_llama(tiny_llama_dir)
    enable_offloaded_checkpointing(model)
    emb = model.get_input_embeddings()
    assert not emb.weight.requires_grad
    _, grads = _grads(model, _packed_batch())
    first = [g for n, g in grads.items() if ".layers.0." in n]
    assert first and all(g.abs().sum() > 0 for g in first)


def test_model_without_checkpointable_layers_is_refused() -> None:
    with pytest.raises(ValueError, match="GradientCheckpointingLayer"):
        enable_offloaded_checkpointing(torch.nn.Sequential(torch.nn.Linear(2, 2)))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_offload_on_cuda_moves_layer_inputs_to_pinned_memory(tiny_llama_dir: Path) -> None:
    batch = _packed_batch("cuda")
    plain = _lora_llama(tiny_llama_dir, "cuda")
    _plain_checkpointing(plain)
    _, grads_plain = _grads(plain, batch)
    offload = _lora_llama(tiny_llama_dir, "cuda")
    stats = OffloadStats()
    enable_offloaded_checkpointing(offload, stats)
    _, grads_off = _grads(offload, batch)
    assert stats.offloaded == 2 and stats.offloaded_bytes == 2 * 2 * 24 * HIDDEN * 4
    for name, g in grads_off.items():
        torch.testing.assert_close(g, grads_plain[name], rtol=1e-5, atol=1e-6)
