"""The GPU fast path's settings and document-masked packing (proved on the CPU)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from llmsec.train import _fastpath
from llmsec.train._args import build_training_args
from llmsec.train._corpus import causal_collate, document_collate, document_positions
from llmsec.train._fastpath import fast_path_settings, pretrain_collate


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch):
    def set_(liger: bool, bnb: bool) -> None:
        monkeypatch.setattr(_fastpath, "liger_available", lambda: liger)
        monkeypatch.setattr(_fastpath, "bnb_cuda_available", lambda: bnb)
    return set_


@pytest.mark.parametrize("kind", ["pretrain", "instruct", "transfer"])
def test_no_fast_path_on_cpu(kind: str, probes) -> None:
    probes(True, True)
    assert fast_path_settings(kind, cuda=False) == {}


def test_cuda_sft_settings_with_liger_and_bnb(probes) -> None:
    probes(True, True)
    s = fast_path_settings("instruct", cuda=True)
    assert s["bf16"] is True and s["activation_checkpointing"] is False
    assert (s["packing"], s["packing_strategy"], s["padding_free"]) == (True, "bfd", True)
    assert s["use_liger_kernel"] is True
    assert s["optim"] == "paged_adamw_8bit"


def test_cuda_pretrain_without_liger_or_bnb(probes) -> None:
    probes(False, False)
    s = fast_path_settings("pretrain", cuda=True)
    assert s["bf16"] is True
    assert "use_liger_kernel" not in s and "optim" not in s and "packing" not in s
    assert fast_path_settings("pretrain", cuda=True, activation_checkpointing=True)["activation_checkpointing"]


def test_build_training_args_user_keys_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, probes) -> None:
    probes(False, False)
    from llmsec.train import _args

    monkeypatch.setattr(_args, "has_accelerator", lambda: False)
    monkeypatch.setattr(_args, "cuda_available", lambda: False)
    cpu = build_training_args({}, output_dir=tmp_path, seed=1)
    assert cpu.bf16 is False and cpu.optim == "adamw_torch"
    # On CUDA the fast path's keys arrive under the user's (checked without building a CUDA object).
    merged = _args.merge_fast_path({"optim": "adamw_torch"}, "pretrain", cuda=True)
    assert merged["optim"] == "adamw_torch" and merged["bf16"] is True
    assert _args.merge_fast_path({"optim": "sgd"}, "pretrain", cuda=False) == {"optim": "sgd"}


def test_document_positions_restart_after_eos() -> None:
    ids = torch.tensor([[5, 6, 2, 7, 8, 9, 2, 4], [2, 3, 3, 2, 2, 1, 1, 1]])
    pos = document_positions(ids, eos_id=2)
    assert pos.tolist() == [[0, 1, 2, 0, 1, 2, 3, 0], [0, 0, 1, 2, 0, 0, 1, 2]]
    assert document_positions(ids, None).tolist()[0] == list(range(8))


def test_document_collate_masks_first_token_and_flattens() -> None:
    feats = [{"input_ids": [5, 6, 2, 7, 8]}, {"input_ids": [9, 2, 3, 4, 5]}]
    b = document_collate(2)(feats)
    assert "attention_mask" not in b and b["use_cache"] is False
    assert b["labels"].tolist() == [[-100, 6, 2, -100, 8], [-100, 2, -100, 4, 5]]
    flat = document_collate(2, flatten=True)(feats)
    assert flat["input_ids"].shape == (1, 10)
    assert flat["cu_seq_lens_q"].tolist() == [0, 3, 5, 7, 10] and flat["max_length_q"] == 3


def _tiny(tiny_llama_dir: Path, impl: str):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir, attn_implementation=impl).eval()
    return model, AutoTokenizer.from_pretrained(tiny_llama_dir)


@pytest.mark.parametrize("impl", ["sdpa", "eager"])
def test_packed_documents_do_not_attend_to_each_other(tiny_llama_dir: Path, impl: str) -> None:
    model, tok = _tiny(tiny_llama_dir, impl)
    eos = tok.eos_token_id
    doc1 = tok("SQL injection lets an attacker change the query.", add_special_tokens=False)["input_ids"] + [eos]
    doc2 = tok("A buffer overflow writes past the end of a buffer.", add_special_tokens=False)["input_ids"] + [eos]
    block = [{"input_ids": doc1 + doc2}]
    collate = pretrain_collate(model, eos, document_mask=True)
    batch = collate(block)
    with torch.no_grad():
        packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits
        alone = model(input_ids=torch.tensor([doc2])).logits
        plain = model(**{k: v for k, v in causal_collate(block).items() if k != "labels"}).logits
    n = len(doc1)
    torch.testing.assert_close(packed[0, n:], alone[0], rtol=1e-5, atol=1e-5)
    assert not torch.allclose(plain[0, n:], alone[0], atol=1e-3)  # without the mask, doc 2 sees doc 1
    torch.testing.assert_close(packed[0, :n], plain[0, :n], rtol=1e-5, atol=1e-5)  # doc 1 is unchanged


def test_pretrain_collate_falls_back_without_eos(tiny_llama_dir: Path) -> None:
    model, _ = _tiny(tiny_llama_dir, "sdpa")
    assert pretrain_collate(model, None, document_mask=True) is causal_collate
    assert pretrain_collate(model, 2, document_mask=False) is causal_collate
    model.config._attn_implementation = "flash_attention_2"
    b = pretrain_collate(model, 2, document_mask=True)([{"input_ids": [1, 2, 3]}, {"input_ids": [4, 2, 5]}])
    assert b["input_ids"].shape == (1, 6)


def test_trainer_runs_with_document_collate(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from datasets import Dataset
    from transformers import Trainer

    model, tok = _tiny(tiny_llama_dir, "sdpa")
    eos = tok.eos_token_id
    seen: list[bool] = []
    model.model.register_forward_pre_hook(
        lambda m, a, kw: seen.append(kw.get("attention_mask") is None and kw.get("use_cache") is False),
        with_kwargs=True,
    )
    rows = [{"input_ids": ([7, 8, 9, eos] * 4)[:16]} for _ in range(4)]
    args = build_training_args({"max_steps": 2, "per_device_train_batch_size": 2, "logging_steps": 1},
                               output_dir=tmp_path, seed=0)
    trainer = Trainer(model=model.train(), args=args, train_dataset=Dataset.from_list(rows),
                      data_collator=pretrain_collate(model, eos, document_mask=True))
    out = trainer.train()
    assert torch.isfinite(torch.tensor(out.training_loss)) and seen and all(seen)


def test_llmsec_loaded_model_gets_the_document_mask(tiny_llama_dir: Path) -> None:
    from llmsec.config import PretrainStage
    from llmsec.models import load_model
    from llmsec.train._fastpath import supports_document_mask

    assert PretrainStage(data={"train": "x.jsonl"}).document_mask is True
    assert supports_document_mask(load_model(str(tiny_llama_dir)))


def test_chunked_lm_head_gives_the_models_own_loss_and_gradients(tiny_llama_dir: Path) -> None:
    from llmsec.train._fastpath import add_chunked_lm_head

    model, tok = _tiny(tiny_llama_dir, "sdpa")
    ids = torch.tensor([[5, 6, 7, tok.eos_token_id, 8, 9, 10, 11]] * 2)
    batch = document_collate(tok.eos_token_id)([{"input_ids": r} for r in ids.tolist()])
    plain = model(**batch).loss
    plain.backward()
    want = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    add_chunked_lm_head(model)
    fused = model(**batch, fused_lm_head=True)
    fused.loss.backward()
    assert "logits" not in fused  # the logits are never whole
    torch.testing.assert_close(fused.loss, plain, rtol=1e-5, atol=1e-5)
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.grad, want[name], rtol=1e-4, atol=1e-6, msg=name)
    assert model(input_ids=ids).logits.shape == (2, 8, model.config.vocab_size)  # plain calls are unchanged


def test_pretrainer_with_fused_lm_head_matches_plain(tiny_llama_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import transformers
    from trl.trainer import utils as trl_utils

    from llmsec.config import DataConfig, PretrainStage
    from llmsec.train import DomainPretrainer

    chunked_calls, eval_logits = [], []
    kernel = trl_utils._ChunkedLogProbFunction
    monkeypatch.setattr(trl_utils, "_ChunkedLogProbFunction", type("Spy", (), {
        "apply": staticmethod(lambda *a: chunked_calls.append(1) or kernel.apply(*a))}))
    step = transformers.Trainer.prediction_step

    def spy_step(self, *a, **kw):
        out = step(self, *a, **kw)
        eval_logits.append(out[1])
        return out

    monkeypatch.setattr(transformers.Trainer, "prediction_step", spy_step)

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": f"Document {i} about CWE-{i * 7} and its fix. " * (i + 1)}) + "\n"
                              for i in range(8)))
    runs = {}
    for fused in (False, True):
        stage = PretrainStage(data=DataConfig(train=str(corpus), eval=str(corpus)), max_length=24,
                              fused_lm_head=fused,
                              trainer={"max_steps": 4, "per_device_train_batch_size": 2, "learning_rate": 1e-2,
                                       "logging_steps": 1})
        chunked_calls.clear()
        runs[fused] = DomainPretrainer(stage, output_dir=tmp_path / f"pt-{fused}").run(tiny_llama_dir)
        assert bool(chunked_calls) is fused  # the flag reached trl's chunked head, or nothing did
    losses = {k: [h["loss"] for h in c.manifest["log_history"] if "loss" in h] for k, c in runs.items()}
    assert len(losses[True]) == 4
    assert losses[True] == pytest.approx(losses[False], rel=1e-4)
    assert runs[True].metrics["eval_loss"] == pytest.approx(runs[False].metrics["eval_loss"], rel=1e-4)
    assert eval_logits and all(x is None for x in eval_logits)  # evaluation never gathers logits


@pytest.mark.parametrize("kind", ["instruct", "pretrain", "transfer"])
def test_cuda_settings_build_valid_arguments(kind: str, probes, tmp_path: Path) -> None:
    """Every fast-path key is a live field with a valid value (catches renames across trl/transformers)."""
    from transformers import TrainingArguments
    from trl import SFTConfig

    probes(True, True)
    cls = SFTConfig if kind == "instruct" else TrainingArguments
    # use_cpu only lets bf16 validate on this CPU; the CUDA settings are what is checked.
    from llmsec.train._args import installed_checkpointing_names

    settings = installed_checkpointing_names(fast_path_settings(kind, cuda=True))
    args = cls(output_dir=str(tmp_path), use_cpu=True, **settings)
    assert args.bf16 and args.use_liger_kernel and args.optim == "paged_adamw_8bit"
    if kind == "instruct":
        assert args.packing and args.padding_free and args.packing_strategy == "bfd"


def test_liger_keeps_its_layer_kernels_but_not_the_lm_head(tmp_path: Path) -> None:
    from transformers import TrainingArguments

    from llmsec.train._fastpath import keep_liger_off_the_lm_head

    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, use_liger_kernel=True,
                             liger_kernel_config={"rms_norm": True})
    keep_liger_off_the_lm_head(args)
    assert args.liger_kernel_config == {"rms_norm": True, "fused_linear_cross_entropy": False}
    plain = TrainingArguments(output_dir=str(tmp_path), use_cpu=True)
    keep_liger_off_the_lm_head(plain)
    assert not plain.liger_kernel_config  # without liger nothing is set


def test_checkpointing_takes_either_spelling(tmp_path: Path) -> None:
    """transformers 5.2x renamed gradient_checkpointing to activation_checkpointing; 5.17 (GPU image) has the old."""
    from llmsec.train._args import _fields, check_trainer_keys, installed_checkpointing_names

    new = "activation_checkpointing" in _fields(False)
    name = "activation_checkpointing" if new else "gradient_checkpointing"
    for key in ("gradient_checkpointing", "activation_checkpointing"):
        assert check_trainer_keys({key: True, f"{key}_kwargs": {"use_reentrant": False}}, sft=False) == []
        args = build_training_args({key: True}, output_dir=tmp_path, seed=0)
        assert getattr(args, name) is True
    assert installed_checkpointing_names({"activation_checkpointing_kwargs": {"a": 1}}) == {f"{name}_kwargs": {"a": 1}}
    assert getattr(build_training_args({}, output_dir=tmp_path, seed=0), name) is False  # off unless asked
