"""attach_adapter: full / LoRA / DoRA / QLoRA (CPU bitsandbytes) train exactly what they should."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from llmsec.config import AdapterConfig, QuantizationConfig
from llmsec.models import attach_adapter, load_model, trainable_parameters


def _step(model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> dict[str, bool]:
    """One SGD step; which parameters changed."""
    model.train()
    params = dict(model.named_parameters())
    before = {n: p.detach().float().clone() for n, p in params.items()}
    optimizer = torch.optim.SGD([p for p in params.values() if p.requires_grad], lr=0.5)
    loss = model(**batch).loss
    assert torch.isfinite(loss)
    loss.backward()
    optimizer.step()
    return {n: not torch.equal(before[n], p.detach().float()) for n, p in params.items()}


def _causal_batch() -> dict[str, torch.Tensor]:
    ids = torch.randint(4, 500, (2, 10), generator=torch.Generator().manual_seed(0))
    return {"input_ids": ids, "labels": ids}


def _load(path: Path, adapter: AdapterConfig, head: str = "causal-lm", labels: list[str] | None = None):
    return load_model(str(path), head=head, labels=labels, quantization=adapter.quantization)


@pytest.mark.parametrize("method", ["full", "lora", "dora", "qlora"])
def test_causal_adapter_trains_only_its_parameters(method: str, tiny_llama_dir: Path) -> None:
    adapter = AdapterConfig(method=method, r=4, alpha=8, dropout=0.0)
    model = attach_adapter(_load(tiny_llama_dir, adapter), adapter, task="causal-lm")
    trainable, total = trainable_parameters(model)
    changed = _step(model, _causal_batch())
    requires = {n for n, p in model.named_parameters() if p.requires_grad}
    assert {n for n, c in changed.items() if c} <= requires  # nothing frozen moved
    if method == "full":
        assert trainable == total and requires == set(changed)
        assert sum(changed.values()) > len(changed) // 2
    else:
        assert 0 < trainable < total
        assert requires and all("lora_" in n for n in requires)
        assert any(changed[n] for n in requires if "lora_B" in n)  # B starts at zero and must move
        if method == "dora":
            assert any("lora_magnitude_vector" in n for n in requires)


def test_qlora_base_is_4bit_nf4(tiny_llama_dir: Path) -> None:
    import bitsandbytes as bnb

    adapter = AdapterConfig(method="qlora")
    model = _load(tiny_llama_dir, adapter)
    q_proj = model.model.layers[0].self_attn.q_proj
    assert isinstance(q_proj, bnb.nn.Linear4bit)
    assert q_proj.weight.quant_state.quant_type == "nf4"
    _, total = trainable_parameters(model)
    assert total == sum(p.numel() for p in load_model(str(tiny_llama_dir)).parameters())


def test_qlora_with_bf16_storage_trains_like_uint8_storage(tiny_llama_dir: Path) -> None:
    """``quant_storage: bfloat16`` (for FSDP) packs the same 4-bit weights into bf16 storage."""
    losses = {}
    for storage in ("uint8", "bfloat16"):
        adapter = AdapterConfig(method="qlora", r=4, alpha=8, dropout=0.0,
                                quantization=QuantizationConfig(quant_storage=storage))
        base = _load(tiny_llama_dir, adapter)
        weight = base.model.layers[0].self_attn.q_proj.weight
        assert weight.dtype == getattr(torch, storage)
        _, total = trainable_parameters(base)
        assert total == sum(p.numel() for p in load_model(str(tiny_llama_dir)).parameters())
        torch.manual_seed(0)
        model = attach_adapter(base, adapter, task="causal-lm")
        changed = _step(model, _causal_batch())
        assert any(c for n, c in changed.items() if "lora_B" in n)
        with torch.no_grad():
            losses[storage] = float(model(**_causal_batch()).loss)
    assert losses["bfloat16"] == pytest.approx(losses["uint8"], rel=1e-5)


def test_qlora_trains_after_an_eval_pass(tiny_llama_dir: Path) -> None:
    """bitsandbytes' CPU inference repacking would break (hidden 16) or corrupt gradients."""
    adapter = AdapterConfig(method="qlora", r=4, alpha=8, dropout=0.0)
    model = attach_adapter(_load(tiny_llama_dir, adapter), adapter, task="causal-lm")
    batch = _causal_batch()
    model.eval()
    with torch.no_grad():
        model(**batch)
    changed = _step(model, batch)
    assert any(c for n, c in changed.items() if "lora_B" in n)


def test_lora_on_8bit_base(tiny_llama_dir: Path) -> None:
    import bitsandbytes as bnb

    adapter = AdapterConfig(method="lora", r=4, dropout=0.0, quantization=QuantizationConfig(bits=8))
    model = _load(tiny_llama_dir, adapter)
    assert isinstance(model.model.layers[0].mlp.up_proj, bnb.nn.Linear8bitLt)
    model = attach_adapter(model, adapter, task="causal-lm")
    model.eval()
    with torch.no_grad():
        logits = model(**_causal_batch()).logits
    assert torch.isfinite(logits).all()
    changed = _step(model, _causal_batch())
    assert any(c for n, c in changed.items() if "lora_B" in n)
    assert not any(c for n, c in changed.items() if "lora_" not in n)


@pytest.mark.parametrize("method", ["lora", "dora", "qlora"])
@pytest.mark.parametrize(("fixture", "head"), [("tiny_llama_dir", "score"), ("tiny_bert_dir", "classifier")])
def test_classifier_adapter_trains_head_and_adapter(
    method: str, fixture: str, head: str, request: pytest.FixtureRequest
) -> None:
    from transformers import AutoTokenizer

    path: Path = request.getfixturevalue(fixture)
    adapter = AdapterConfig(method=method, r=4, alpha=8, dropout=0.0)
    model = attach_adapter(_load(path, adapter, "classifier", ["safe", "vulnerable"]), adapter, task="classifier")
    assert head in model.peft_config["default"].modules_to_save
    tok = AutoTokenizer.from_pretrained(path)
    batch = dict(tok(["strcpy(buf, input)", "snprintf(buf, n, s)"], padding=True, return_tensors="pt"))
    batch["labels"] = torch.tensor([1, 0])
    changed = _step(model, batch)
    requires = {n for n, p in model.named_parameters() if p.requires_grad}
    assert {n for n, c in changed.items() if c} <= requires
    head_params = [n for n in requires if f"{head}.modules_to_save" in n]
    assert head_params and all(changed[n] for n in head_params)  # the new head trains in full
    assert not any(f"{head}.lora_" in n for n in requires)  # and is not LoRA'd as well
    assert any(changed[n] for n in requires if "lora_B" in n)


def test_full_on_classifier_and_errors(tiny_bert_dir: Path, tiny_llama_dir: Path) -> None:
    model = load_model(str(tiny_bert_dir), head="classifier", labels=["a", "b"])
    assert attach_adapter(model, AdapterConfig(method="full"), task="classifier") is model
    trainable, total = trainable_parameters(model)
    assert trainable == total

    with pytest.raises(ValueError, match="needs a base loaded quantized"):
        attach_adapter(load_model(str(tiny_llama_dir)), AdapterConfig(method="qlora"), task="causal-lm")
    quantized = load_model(str(tiny_llama_dir), quantization=QuantizationConfig())
    with pytest.raises(ValueError, match="cannot train quantized"):
        attach_adapter(quantized, AdapterConfig.model_construct(method="full"), task="causal-lm")
    with pytest.raises(ValueError, match="no classification head"):
        attach_adapter(load_model(str(tiny_llama_dir)), AdapterConfig(), task="classifier")


def test_explicit_target_modules(tiny_llama_dir: Path) -> None:
    adapter = AdapterConfig(method="lora", target_modules=["q_proj", "v_proj"])
    model = attach_adapter(load_model(str(tiny_llama_dir)), adapter, task="causal-lm")
    names = {n.split(".lora_")[0].rsplit(".", 1)[-1] for n, p in model.named_parameters() if p.requires_grad}
    assert names == {"q_proj", "v_proj"}


def test_top_layers_adapts_only_the_last_blocks(tiny_llama_dir: Path) -> None:
    model = attach_adapter(load_model(str(tiny_llama_dir)), AdapterConfig(method="lora", r=2, alpha=4, top_layers=1),
                           task="causal-lm")
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names and all(".layers.1." in n for n in names), names
    with pytest.raises(ValueError, match="only 2 layers"):
        attach_adapter(load_model(str(tiny_llama_dir)), AdapterConfig(method="lora", top_layers=3), task="causal-lm")
