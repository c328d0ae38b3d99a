"""The recipe's model settings reach ``from_pretrained``: attention kernel, device map, dtype, RoPE scaling, context."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from pydantic import ValidationError

from llmsec.config import ModelConfig, Recipe
from llmsec.models import load_model, load_tokenizer

IDS = torch.tensor([[1, 5, 6, 7, 8, 9, 10, 11]])


def _logits(model) -> torch.Tensor:
    with torch.no_grad():
        return model(IDS).logits


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_attn_implementation(tiny_llama_dir: Path, impl: str) -> None:
    model = load_model(ModelConfig(name=str(tiny_llama_dir), attn_implementation=impl))
    assert model.config._attn_implementation == impl


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The keyword arguments of every ``AutoModelForCausalLM.from_pretrained`` call (the load still runs)."""
    import transformers

    seen: list[dict] = []
    real = transformers.AutoModelForCausalLM.from_pretrained

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", spy)
    return seen


def test_device_map_and_dtype(tiny_llama_dir: Path, calls: list[dict]) -> None:
    model = load_model(ModelConfig(name=str(tiny_llama_dir), device_map="cpu", dtype="bfloat16"))
    assert calls[-1]["device_map"] == "cpu" and model.device.type == "cpu"
    assert model.dtype == torch.bfloat16
    split = {"model.embed_tokens": "cpu", "model.layers": "cpu", "model.norm": "cpu", "model.rotary_emb": "cpu",
             "lm_head": "cpu"}
    load_model(ModelConfig(name=str(tiny_llama_dir), device_map=split))
    assert calls[-1]["device_map"] == split
    plain = load_model(str(tiny_llama_dir))
    assert "device_map" not in calls[-1] and plain.dtype == torch.float32


def test_rope_scaling_changes_the_model(tiny_llama_dir: Path) -> None:
    plain = load_model(str(tiny_llama_dir))
    scaled = load_model(ModelConfig(name=str(tiny_llama_dir), rope_scaling={"rope_type": "linear", "factor": 4.0}))
    params = scaled.config.rope_parameters
    assert (params["rope_type"], params["factor"]) == ("linear", 4.0)
    assert params["rope_theta"] == plain.config.rope_parameters["rope_theta"]  # the model's own theta is kept
    assert scaled.model.rotary_emb.rope_type == "linear"
    assert not torch.allclose(_logits(plain), _logits(scaled)), "linear RoPE scaling must change the positions"
    # the old spelling (``type``) is accepted too
    legacy = load_model(ModelConfig(name=str(tiny_llama_dir), rope_scaling={"type": "linear", "factor": 4.0}))
    assert torch.allclose(_logits(legacy), _logits(scaled))


def test_yarn_keeps_the_pretraining_length(tiny_llama_dir: Path) -> None:
    cfg = ModelConfig(name=str(tiny_llama_dir), rope_scaling={"rope_type": "yarn", "factor": 2.0}, max_context=512)
    model = load_model(cfg)
    assert model.config.max_position_embeddings == 512
    assert model.config.rope_parameters["original_max_position_embeddings"] == 256  # tiny llama's own
    assert load_tokenizer(cfg).model_max_length == 512


def test_max_context_on_a_classifier(tiny_llama_dir: Path, tiny_bert_dir: Path) -> None:
    llama = load_model(ModelConfig(name=str(tiny_llama_dir), max_context=1024), head="classifier",
                       labels=["safe", "vulnerable"])
    assert llama.config.max_position_embeddings == 1024 and llama.config.num_labels == 2
    assert llama.config.id2label == {0: "safe", 1: "vulnerable"}
    # learned positions: a shorter context is the tokenizer's; a longer one cannot be had
    bert_cfg = ModelConfig(name=str(tiny_bert_dir), max_context=64)
    bert = load_model(bert_cfg, head="classifier", labels=["a", "b"])
    assert bert.config.max_position_embeddings == 128 and load_tokenizer(bert_cfg).model_max_length == 64
    with pytest.raises(ValueError, match="learned 128 positions"):
        load_model(ModelConfig(name=str(tiny_bert_dir), max_context=4096), head="classifier", labels=["a", "b"])
    with pytest.raises(ValueError, match="no rotary position embeddings"):
        load_model(ModelConfig(name=str(tiny_bert_dir), rope_scaling={"rope_type": "linear", "factor": 2.0}),
                   head="classifier", labels=["a", "b"])


def test_trust_remote_code_stays_off(tiny_llama_dir: Path, calls: list[dict]) -> None:
    load_model(ModelConfig(name=str(tiny_llama_dir), attn_implementation="eager", device_map="cpu",
                           rope_scaling={"rope_type": "linear", "factor": 2.0}, max_context=512))
    load_model(ModelConfig(name=str(tiny_llama_dir), trust_remote_code=True))
    assert [c["trust_remote_code"] for c in calls] == [False, True]


def test_recipe_keys_validate() -> None:
    recipe = Recipe.model_validate({
        "model": {"name": "smollm2-135m-instruct", "attn_implementation": "sdpa", "device_map": "auto",
                  "dtype": "bfloat16", "rope_scaling": {"rope_type": "yarn", "factor": 2.0}, "max_context": 4096},
        "stages": [{"kind": "instruct", "data": {"train": "chat.jsonl"}}],
    })
    assert recipe.model.device_map == "auto" and recipe.model.max_context == 4096
    assert ModelConfig(name="m", device_map={"model": 0, "lm_head": "cpu"}).device_map == {"model": 0, "lm_head": "cpu"}
    with pytest.raises(ValidationError, match="rope_type"):
        ModelConfig(name="m", rope_scaling={"factor": 2.0})
    with pytest.raises(ValidationError):
        ModelConfig(name="m", max_context=0)
