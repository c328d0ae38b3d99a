"""merge_adapter and adapter checkpoints as model references (merged once, cached, chained)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from llmsec.config import AdapterConfig
from llmsec.models import (
    _resolve,
    attach_adapter,
    is_adapter_dir,
    load_model,
    load_tokenizer,
    merge_adapter,
    resolve_model,
)

IDS = torch.tensor([[1, 40, 41, 42, 43, 44], [1, 50, 51, 52, 3, 3]])
MASK = (IDS != 3).long()


def _perturb_lora(model: torch.nn.Module, seed: int = 0) -> None:
    """Give the adapter non-zero deltas (lora_B starts at zero)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.5)


def _causal_checkpoint(base: str | Path, out: Path, method: str = "lora", tokenizer: bool = True):
    adapter = AdapterConfig(method=method, r=4, alpha=8, dropout=0.0)
    model = attach_adapter(load_model(str(base), quantization=adapter.quantization), adapter, task="causal-lm")
    _perturb_lora(model)
    model.save_pretrained(out)
    if tokenizer:
        load_tokenizer(str(base)).save_pretrained(out)
    return model.eval()


def test_merged_causal_matches_adapter(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    peft_model = _causal_checkpoint(tiny_llama_dir, tmp_path / "ckpt")
    assert is_adapter_dir(tmp_path / "ckpt")
    out = merge_adapter(tmp_path / "ckpt", tmp_path / "merged")
    assert out == tmp_path / "merged"
    assert (out / "model.safetensors").is_file() and not (out / "adapter_config.json").exists()
    merged = AutoModelForCausalLM.from_pretrained(out).eval()  # plain transformers, no peft
    base = AutoModelForCausalLM.from_pretrained(tiny_llama_dir).eval()
    with torch.no_grad():
        expected = peft_model(input_ids=IDS, attention_mask=MASK).logits
        got = merged(input_ids=IDS, attention_mask=MASK).logits
        original = base(input_ids=IDS, attention_mask=MASK).logits
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(got, original, atol=1e-3)  # the adapter did change the model
    assert load_tokenizer(str(out)).eos_token == "<|im_end|>"


@pytest.mark.parametrize("method", ["dora", "qlora"])
def test_merge_dora_and_qlora(method: str, tiny_llama_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    peft_model = _causal_checkpoint(tiny_llama_dir, tmp_path / "ckpt", method=method, tokenizer=False)
    out = merge_adapter(tmp_path / "ckpt", tmp_path / "merged")
    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    assert merged.dtype == torch.float32
    with torch.no_grad():
        got = merged(input_ids=IDS, attention_mask=MASK).logits
        expected = peft_model(input_ids=IDS, attention_mask=MASK).logits.float()
    if method == "dora":
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    else:  # merged into the full-precision base, so close to the 4-bit adapter model, not equal
        assert torch.isfinite(got).all()
        assert torch.corrcoef(torch.stack([got.flatten(), expected.flatten()]))[0, 1] > 0.9
    assert (out / "tokenizer.json").is_file()  # taken from the base when the checkpoint has none


def test_adapter_dir_resolves_to_a_cached_merge(
    tiny_llama_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmsec.models import _merge

    _causal_checkpoint(tiny_llama_dir, tmp_path / "ckpt")
    calls: list[Path] = []
    real = _merge.merge_adapter

    def counting(checkpoint: Path, out: Path) -> Path:
        calls.append(Path(checkpoint))
        return real(checkpoint, out)

    monkeypatch.setattr(_merge, "merge_adapter", counting)
    first = resolve_model(str(tmp_path / "ckpt"))
    assert Path(first).parent == Path(os.environ["LLMSEC_HOME"]) / "merged"
    assert resolve_model(str(tmp_path / "ckpt")) == first
    model = load_model(str(tmp_path / "ckpt"))  # a causal adapter loads as its merged model
    assert type(model).__name__ == "LlamaForCausalLM"
    assert len(calls) == 1
    assert not [p for p in Path(first).parent.iterdir() if ".tmp-" in p.name]

    weights = tmp_path / "ckpt" / "adapter_model.safetensors"
    os.utime(weights, ns=(10**18, 10**18))  # the adapter was retrained: merged again
    assert resolve_model(str(tmp_path / "ckpt")) != first
    assert len(calls) == 2


def test_stage_chain_adapter_on_adapter(tiny_llama_dir: Path, tmp_path: Path) -> None:
    """A stage's adapter output is the next stage's base; the second adapter names the merged first."""
    from transformers import AutoModelForCausalLM

    _causal_checkpoint(tiny_llama_dir, tmp_path / "stage1")
    stage2 = _causal_checkpoint(tmp_path / "stage1", tmp_path / "stage2")
    base_ref = json.loads((tmp_path / "stage2" / "adapter_config.json").read_text())["base_model_name_or_path"]
    assert base_ref == resolve_model(str(tmp_path / "stage1"))
    merged = AutoModelForCausalLM.from_pretrained(resolve_model(str(tmp_path / "stage2"))).eval()
    with torch.no_grad():
        torch.testing.assert_close(merged(input_ids=IDS).logits, stage2(input_ids=IDS).logits,
                                   rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("fixture", "head"), [("tiny_llama_dir", "score"), ("tiny_bert_dir", "classifier")])
def test_classifier_adapter_loads_and_merges(
    fixture: str, head: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from transformers import AutoModelForSequenceClassification

    base: Path = request.getfixturevalue(fixture)
    labels = ["safe", "vulnerable", "unknown"]
    adapter = AdapterConfig(method="lora", r=4, dropout=0.0)
    model = attach_adapter(load_model(str(base), head="classifier", labels=labels), adapter, task="classifier")
    _perturb_lora(model)
    model.save_pretrained(tmp_path / "ckpt")
    model.eval()
    tok = load_tokenizer(str(base))
    batch = tok(["strcpy(buf, input)", "ok"], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = model(**batch).logits

    loaded = load_model(str(tmp_path / "ckpt"), head="classifier", labels=labels)
    assert type(loaded).__name__ == "PeftModelForSequenceClassification" and not loaded.training
    with torch.no_grad():
        torch.testing.assert_close(loaded(**batch).logits, expected, rtol=1e-4, atol=1e-5)
    unlabeled = load_model(str(tmp_path / "ckpt"), head="classifier")  # label count read from the head
    assert unlabeled.config.num_labels == 3
    with pytest.raises(ValueError, match="classifier adapter"):
        load_model(str(tmp_path / "ckpt"))

    out = merge_adapter(tmp_path / "ckpt", tmp_path / "merged")
    merged = AutoModelForSequenceClassification.from_pretrained(out).eval()
    assert merged.config.num_labels == 3 and getattr(merged, head).out_features == 3
    with torch.no_grad():
        torch.testing.assert_close(merged(**batch).logits, expected, rtol=1e-4, atol=1e-5)


def test_merge_rejects_non_adapter(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from llmsec.models import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match="not a peft adapter checkpoint"):
        merge_adapter(tiny_llama_dir, tmp_path / "out")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": None}))
    with pytest.raises(ModelNotFoundError, match="does not name its base"):
        resolve_model(str(bad))
    assert _resolve.is_adapter_dir(bad)
