"""The speed levers: flex attention over packed documents, regional compile, and the switchboard."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from llmsec.train._levers import LEVERS, apply_levers, compile_decoder_layers
from llmsec.train._packed_attention import flex_unavailable, use_flex_attention

# Two rows of three packed documents each (lengths 9 + 14 + 9 and 20 + 4 + 8); positions restart per document.
LENGTHS = [(9, 14, 9), (20, 4, 8)]


def _packed() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.randint(5, 300, (2, 32), generator=torch.Generator().manual_seed(4))
    pos = torch.stack([torch.cat([torch.arange(n) for n in row]) for row in LENGTHS])
    return ids, pos


def _llama(path: Path, attn: str = "sdpa") -> torch.nn.Module:
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path, attn_implementation=attn).eval()


@pytest.fixture
def eager_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch.compile with dynamo's eager backend: transformers compiles flex_attention and its block mask with
    inductor, which costs over a minute of C++ builds on 2 CPU cores; the maths checked here is the same."""
    from functools import partial

    from transformers.integrations import flex_attention as hf_flex

    monkeypatch.setattr(torch, "compile", partial(torch.compile, backend="eager"))
    monkeypatch.setattr(hf_flex.WrappedFlexAttention, "_instance", None)
    monkeypatch.setattr(hf_flex.WrappedFlexAttention, "_is_flex_compiled", False)


@pytest.mark.slow  # dynamo traces flex attention and its mask (~15 s on 2 busy cores)
# transformers 5.25's flex mask passes torch's deprecated create_block_mask(_compile=True): upstream, not ours
@pytest.mark.filterwarnings("ignore:_compile flag on create_block_mask:DeprecationWarning")
def test_flex_packed_attention_equals_dense_mask_sdpa(tiny_llama_dir: Path, eager_compile: None) -> None:
    ids, pos = _packed()
    dense = _llama(tiny_llama_dir)  # sdpa: transformers builds a dense 4-D same-document causal mask
    flex = _llama(tiny_llama_dir)
    assert use_flex_attention(flex, device_type="cpu", training=False) is None
    assert flex.config._attn_implementation == "flex_attention"
    with torch.no_grad():
        want = dense(input_ids=ids, position_ids=pos, use_cache=False).logits
        got = flex(input_ids=ids, position_ids=pos, use_cache=False).logits
        # A document inside the packed row gives the logits it gives alone: the block mask keeps documents apart.
        alone = flex(input_ids=ids[:1, 9:23], position_ids=torch.arange(14)[None], use_cache=False).logits
        unmasked = dense(input_ids=ids, use_cache=False).logits  # no restart: documents see each other
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(got[:1, 9:23], alone, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(unmasked[:1, 9:23], alone, atol=1e-3)


def test_flex_is_refused_for_training_on_the_cpu(tiny_llama_dir: Path) -> None:
    model = _llama(tiny_llama_dir)
    why = use_flex_attention(model, device_type="cpu")
    assert why is not None and "backward" in why
    assert model.config._attn_implementation == "sdpa"  # unchanged
    assert flex_unavailable(model, device_type="cuda") is None


def test_regional_compile_keeps_outputs_and_state_dict(tiny_llama_dir: Path) -> None:
    ids, pos = _packed()
    model = _llama(tiny_llama_dir)
    keys = list(model.state_dict())
    with torch.no_grad():
        want = model(input_ids=ids, position_ids=pos, use_cache=False).logits
    assert compile_decoder_layers(model, backend="eager") == 2
    layer = model.model.layers[0]
    assert all(child._compiled_call_impl is not None for child in layer.children())
    with torch.no_grad():
        got = model(input_ids=ids, position_ids=pos, use_cache=False).logits
    torch.testing.assert_close(got, want)
    assert list(model.state_dict()) == keys


def test_apply_levers_reports_each_and_refuses_unknown_names(tiny_llama_dir: Path) -> None:
    from peft import LoraConfig, get_peft_model

    from llmsec.models._compat import peft_model_warnings

    with peft_model_warnings():
        model = get_peft_model(_llama(tiny_llama_dir).train(), LoraConfig(r=4, target_modules="all-linear"))
    report = apply_levers(model, ["offload", "flex", "fused-lora"], device_type="cpu")
    assert list(report) == ["fused-lora", "flex", "offload"]  # applied in LEVERS order
    assert report["fused-lora"] == "on: 14 LoRA linears"
    assert report["flex"].startswith("skipped:") and report["offload"] == "on: 2 layers"
    assert set(LEVERS) == {"offload", "flex", "fused-lora", "dequant-once", "compile"}
    with pytest.raises(ValueError, match="unknown lever"):
        apply_levers(model, ["turbo"], device_type="cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_flex_trains_like_dense_mask_sdpa_on_cuda() -> None:
    """Loss and gradients through flex_attention's backward equal the dense-mask sdpa path on packed rows."""
    from transformers import LlamaConfig, LlamaForCausalLM

    # head size 32: flex's CUDA kernels want at least 16 (tests/tiny.py's Llama has 4)
    config = LlamaConfig(vocab_size=300, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, attn_implementation="sdpa")
    ids, pos = _packed()
    ids, pos = ids.cuda(), pos.cuda()
    results = []
    for flex in (False, True):
        torch.manual_seed(0)
        model = LlamaForCausalLM(config).cuda().train()
        if flex:
            assert use_flex_attention(model, device_type="cuda") is None
        out = model(input_ids=ids, position_ids=pos, labels=ids, use_cache=False)
        out.loss.backward()
        results.append((out.loss.detach(), {n: p.grad for n, p in model.named_parameters()}))
    (loss_sdpa, grads_sdpa), (loss_flex, grads_flex) = results
    torch.testing.assert_close(loss_flex, loss_sdpa, rtol=1e-4, atol=1e-4)
    for name, g in grads_sdpa.items():
        torch.testing.assert_close(grads_flex[name], g, rtol=1e-3, atol=1e-4, msg=name)


def test_levers_are_recipe_settings() -> None:
    """A stage's ``levers:`` names are the switchboard's, checked by the schema with the valid ones listed."""
    from llmsec.checkpoints import config_diff
    from llmsec.config import LEVERS as SCHEMA_LEVERS
    from llmsec.config import RecipeError, recipe_from_dict

    assert SCHEMA_LEVERS is LEVERS  # one list of names
    stage = {"kind": "instruct", "data": {"train": "builtin:instructions"}}
    recipe = recipe_from_dict({"model": {"name": "m"}, "stages": [{**stage, "levers": ["offload", "fused-lora"]}]})
    assert recipe.stages[0].levers == ["offload", "fused-lora"]
    # none by default, recorded as null: a checkpoint saved before levers existed still resumes (same config)
    plain = recipe_from_dict({"model": {"name": "m"}, "stages": [stage]}).stages[0]
    assert plain.levers is None
    saved_before = {k: v for k, v in plain.model_dump(mode="json").items() if k != "levers"}
    assert config_diff(saved_before, plain.model_dump(mode="json")) == []
    with pytest.raises(RecipeError) as err:
        recipe_from_dict({"model": {"name": "m"}, "stages": [{**stage, "levers": ["offload", "turbo"]}]})
    assert "levers.1" in str(err.value) and all(f"'{name}'" in str(err.value) for name in LEVERS)
    with pytest.raises(RecipeError, match="offload is activation checkpointing itself"):
        recipe_from_dict({"model": {"name": "m"}, "stages": [
            {**stage, "levers": ["offload"], "trainer": {"activation_checkpointing": True}}]})
    with pytest.raises(RecipeError, match=r"levers names \['flex'\] more than once"):
        recipe_from_dict({"model": {"name": "m"}, "stages": [{**stage, "levers": ["flex", "flex"]}]})


def test_a_stage_applies_its_levers_and_records_them(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from llmsec import DomainPretrainer
    from llmsec.config import DataConfig, PretrainStage
    from llmsec.train import _offload

    calls = []
    real = _offload.offloaded_checkpoint

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_offload, "offloaded_checkpoint", counted)

    stage = PretrainStage(data=DataConfig(train=str(data_dir / "corpus.jsonl")), max_length=16,
                          levers=["offload", "flex"],
                          trainer={"max_steps": 2, "per_device_train_batch_size": 2, "report_to": "none"})
    with caplog.at_level(logging.INFO, logger="llmsec.train._common"):
        ckpt = DomainPretrainer(stage, output_dir=tmp_path / "pt").run(tiny_llama_dir)
    levers = ckpt.manifest["levers"]
    assert levers["offload"] == "on: 2 layers"  # every decoder layer checkpointed through CPU memory
    assert levers["flex"].startswith("skipped:")  # no flex backward on the CPU
    assert ckpt.metrics["train_steps"] == 2
    assert len(calls) == 2 * 2  # the training forward of each layer went through the offloaded checkpoint
    assert "lever offload: on: 2 layers" in caplog.text
