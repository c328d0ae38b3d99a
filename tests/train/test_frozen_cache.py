"""The frozen-layer cache (``TransferStage.cache_frozen``): exactly the full model, on BERT and Llama."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch
from pydantic import ValidationError
from safetensors.torch import load_file

from llmsec.config import AdapterConfig, DataConfig, TransferStage
from llmsec.models import attach_adapter, load_model, load_tokenizer
from llmsec.train import TransferTrainer
from llmsec.train._frozen_cache import FrozenCache, estimate_bytes, find_blocks, plan_cache

TEXTS = [
    "char buf[16]; strcpy(buf, input);",
    "SELECT * FROM users WHERE name = '" + "x" * 3 + "'",
    "os.system('ping ' + host)",
    "The buffer overflow in the parser allows remote attackers to cause a denial of service.",
    "el.textContent = location.hash.slice(1);",
]


def _three_layers(kind: str, path: Path) -> Path:
    """A 3-layer, hidden-16 random BERT or Llama without dropout (so training is deterministic)."""
    from transformers import AutoTokenizer, BertConfig, BertModel, LlamaConfig, LlamaForCausalLM

    from tiny import TINY_BERT_TOKENIZER, TINY_TOKENIZER

    tok = AutoTokenizer.from_pretrained(TINY_BERT_TOKENIZER if kind == "bert" else TINY_TOKENIZER)
    torch.manual_seed(0)
    if kind == "bert":
        model = BertModel(BertConfig(
            vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=3, num_attention_heads=4,
            max_position_embeddings=128, pad_token_id=tok.pad_token_id, hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0))
    else:
        model = LlamaForCausalLM(LlamaConfig(
            vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=3, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=256, bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, tie_word_embeddings=False))
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture(scope="module", params=["bert", "llama"])
def three_layer_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _three_layers(request.param, tmp_path_factory.mktemp(f"three-{request.param}"))


def _classifier(path: Path, top: int = 1) -> torch.nn.Module:
    torch.manual_seed(1)
    model = load_model(str(path), head="classifier", labels=["safe", "vulnerable"])
    return attach_adapter(model, AdapterConfig(method="lora", r=4, dropout=0.0, top_layers=top), task="classifier")


def _batch(tokenizer, texts: list[str]) -> dict[str, torch.Tensor]:
    enc = tokenizer(texts, padding=True, return_tensors="pt")
    return {**enc, "labels": torch.tensor([i % 2 for i in range(len(texts))])}


def test_cache_equals_full_forward_and_skips_lower_blocks(three_layer_dir: Path) -> None:
    model = _classifier(three_layer_dir)
    tokenizer = load_tokenizer(str(three_layer_dir))
    model.eval()
    batch = _batch(tokenizer, TEXTS)
    with torch.no_grad():
        full = model(**batch)

    cache = FrozenCache(model, first_trained=2, n_examples=len(TEXTS))
    blocks = find_blocks(model)
    real = list(blocks)
    # Fill the cache one example at a time (no padding), in another order than the batch.
    for i in (3, 0, 4, 2, 1):
        one = _batch(tokenizer, [TEXTS[i]])
        with cache.serving(model, one, torch.tensor([i])):
            pass
    assert cache.misses == 5 and all(row is not None for row in cache.rows)
    assert cache.cached_bytes == estimate_bytes([len(tokenizer(t)["input_ids"]) for t in TEXTS], 16, 4)

    calls = []
    hooks = [b.register_forward_hook(lambda *a, i=i: calls.append(i)) for i, b in enumerate(real)]
    index = torch.arange(len(TEXTS))
    with torch.no_grad(), cache.serving(model, batch, index):
        cached = model(**batch)
    for h in hooks:
        h.remove()
    assert calls == [2], "only the trained block may run once the cache is filled"
    assert cache.hits == 5
    assert list(blocks) == real, "the real blocks must be back after the forward"
    torch.testing.assert_close(cached.logits, full.logits, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(cached.loss, full.loss, rtol=1e-5, atol=1e-5)


def test_cache_refuses_a_changed_example(three_layer_dir: Path) -> None:
    model = _classifier(three_layer_dir)
    tokenizer = load_tokenizer(str(three_layer_dir))
    cache = FrozenCache(model, first_trained=2, n_examples=2)
    with cache.serving(model, _batch(tokenizer, [TEXTS[0]]), torch.tensor([0])):
        pass
    with pytest.raises(ValueError, match="training example 0 has"), \
            cache.serving(model, _batch(tokenizer, [TEXTS[3]]), torch.tensor([0])):
        pass


def test_cache_refuses_left_padding(three_layer_dir: Path) -> None:
    model = _classifier(three_layer_dir)
    tokenizer = load_tokenizer(str(three_layer_dir))
    tokenizer.padding_side = "left"
    cache = FrozenCache(model, first_trained=2, n_examples=2)
    with pytest.raises(ValueError, match="right-padded"), \
            cache.serving(model, _batch(tokenizer, TEXTS[:2]), torch.tensor([0, 1])):
        pass


def _losses(ckpt) -> tuple[list[float], list[float]]:
    history = ckpt.manifest["log_history"]
    return [h["loss"] for h in history if "loss" in h], [h["eval_loss"] for h in history if "eval_loss" in h]


@pytest.mark.parametrize("extra", [{}, {"activation_checkpointing": True}], ids=["plain", "checkpointing"])
def test_training_with_cache_matches_training_without(three_layer_dir: Path, data_dir: Path, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture, extra: dict) -> None:
    code = str(data_dir / "code.jsonl")
    weights = "none" if "llama" in three_layer_dir.name else "balanced"  # both compute_loss paths

    def run(cache: bool):
        stage = TransferStage(
            data=DataConfig(train=code, eval=code), max_length=48, class_weights=weights, cache_frozen=cache,
            adapter=AdapterConfig(method="lora", r=4, dropout=0.0, top_layers=1),
            trainer={"num_train_epochs": 3, "per_device_train_batch_size": 3, "learning_rate": 5e-3,
                     "logging_steps": 1, "lr_scheduler_type": "constant", "disable_tqdm": True, **extra})
        return TransferTrainer(stage, output_dir=tmp_path / str(cache)).run(three_layer_dir)

    with caplog.at_level(logging.INFO, logger="llmsec"):
        cached = run(True)
    assert "frozen-layer cache: caching blocks 0..1" in caplog.text
    plain = run(False)
    (c_loss, c_eval), (p_loss, p_eval) = _losses(cached), _losses(plain)
    assert len(c_loss) == len(p_loss) == 9 and len(c_eval) == len(p_eval) == 3
    torch.testing.assert_close(torch.tensor(c_loss), torch.tensor(p_loss), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(torch.tensor(c_eval), torch.tensor(p_eval), rtol=1e-5, atol=1e-5)
    a, b = (load_file(str(c.path / "adapter_model.safetensors")) for c in (cached, plain))
    assert a.keys() == b.keys(), "the cached run saves an ordinary adapter"
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5)


def test_cache_frozen_needs_top_layers() -> None:
    with pytest.raises(ValidationError, match=r"cache_frozen: true needs adapter\.top_layers"):
        TransferStage(data=DataConfig(train="x.jsonl"), cache_frozen=True)
    assert TransferStage(data=DataConfig(train="x.jsonl"), cache_frozen=False).cache_frozen is False


PLAN = {"top_layers": 2, "num_layers": 6, "passes": 3.0, "processes": 1, "on_accelerator": False,
        "padding_side": "right", "cache_bytes": 2**20, "available": 2**30}


@pytest.mark.parametrize(("setting", "change", "expected"), [
    (None, {}, "caching blocks 0..3 (1 MiB at most)"),
    (None, {"top_layers": None}, "no adapter.top_layers"),
    (False, {}, "off"),
    (None, {"top_layers": 6}, "nothing frozen to cache"),
    (True, {"processes": 2}, "single-process, single-device training only"),
    (True, {"padding_side": "left"}, "needs right padding"),
    (True, {"cache_bytes": 2**29}, "more than 25% of the 1.0 GiB available"),
    (None, {"on_accelerator": True}, "training on a GPU"),
    (True, {"on_accelerator": True}, "caching blocks"),
    (None, {"passes": 1.0}, "would not pay"),
    (True, {"passes": 0.5}, "caching blocks"),
    (None, {"available": None}, "caching blocks"),
])
def test_plan_cache(setting: bool | None, change: dict, expected: str) -> None:
    on, why = plan_cache(setting, **{**PLAN, **change})
    assert expected in why and on == why.startswith("caching")


class _Killed(Exception):
    pass


def test_resume_rebuilds_the_cache(data_dir: Path, tmp_path: Path) -> None:
    """Killed after a checkpoint, then resumed: the cache refills and the run ends as an uninterrupted one."""
    from transformers import TrainerCallback

    base = _three_layers("bert", tmp_path / "bert")
    stage = TransferStage(
        data=DataConfig(train=str(data_dir / "code.jsonl")), max_length=48, cache_frozen=True,
        adapter=AdapterConfig(method="lora", r=4, dropout=0.0, top_layers=1),
        trainer={"num_train_epochs": 3, "per_device_train_batch_size": 3, "learning_rate": 5e-3, "logging_steps": 1,
                 "lr_scheduler_type": "constant", "save_strategy": "steps", "save_steps": 4, "disable_tqdm": True})

    class KillAtStep5(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            if state.global_step == 5:
                raise _Killed

    straight = TransferTrainer(stage, output_dir=tmp_path / "straight").run(base)
    with pytest.raises(_Killed):
        TransferTrainer(stage, output_dir=tmp_path / "resumed", callbacks=[KillAtStep5()]).run(base)
    steps: list[int] = []

    class Count(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            steps.append(state.global_step)

    resumed = TransferTrainer(stage, output_dir=tmp_path / "resumed", resume=True, callbacks=[Count()]).run(base)
    assert steps == [5, 6, 7, 8, 9], "the run resumes from checkpoint-4, with an empty cache"
    assert _losses(resumed)[0][-4:] == pytest.approx(_losses(straight)[0][-4:], rel=1e-5)
    a, b = (load_file(str(c.path / "adapter_model.safetensors")) for c in (resumed, straight))
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5)
