"""The three stages on tiny random models: they train, save, and chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from llmsec.config import AdapterConfig, DataConfig, InstructStage, ModelConfig, PretrainStage, TransferStage
from llmsec.data import EmptyDatasetError
from llmsec.train import (
    MANIFEST,
    DomainPretrainer,
    InstructionTuner,
    Stage,
    TransferTrainer,
    lineage,
    read_checkpoint,
)

STEPS = {"max_steps": 3, "per_device_train_batch_size": 2, "learning_rate": 1e-2, "logging_steps": 1}


def _lora_b_nonzero(path: Path) -> bool:
    weights = load_file(str(path / "adapter_model.safetensors"))
    lora_b = [w for k, w in weights.items() if "lora_B" in k]
    return bool(lora_b) and any(float(w.abs().sum()) > 0 for w in lora_b)


def test_stages_satisfy_protocol() -> None:
    for cls in (DomainPretrainer, InstructionTuner, TransferTrainer):
        assert isinstance(cls.__new__(cls), Stage)


def test_pretrain_lora_trains_and_saves(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    stage = PretrainStage(data=DataConfig(train=str(data_dir / "corpus.jsonl"), eval=str(data_dir / "corpus.jsonl")),
                          max_length=16, trainer=STEPS)
    ckpt = DomainPretrainer(stage, output_dir=tmp_path / "pt").run(tiny_llama_dir)
    assert (ckpt.path / "adapter_config.json").is_file() and (ckpt.path / MANIFEST).is_file()
    assert (ckpt.path / "tokenizer.json").is_file()
    assert _lora_b_nonzero(ckpt.path), "LoRA B matrices start at zero; training must move them"
    assert ckpt.kind == "pretrain" and ckpt.base == str(tiny_llama_dir)
    assert ckpt.metrics["train_steps"] == 3 and "eval_perplexity" in ckpt.metrics
    counts = ckpt.manifest["data"]["counts"][0]
    assert counts["read"] == counts["loaded"] == 4
    assert len(ckpt.manifest["data"]["train"]["fingerprint"]) == 16


def test_pretrain_full_changes_weights(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    stage = PretrainStage(data=DataConfig(train=str(data_dir / "corpus.jsonl")), max_length=16,
                          adapter=AdapterConfig(method="full"), trainer=STEPS)
    ckpt = DomainPretrainer(stage, output_dir=tmp_path / "full").run(str(tiny_llama_dir))
    before = load_file(str(tiny_llama_dir / "model.safetensors"))
    after = load_file(str(ckpt.path / "model.safetensors"))
    changed = [k for k in before if k in after and not torch.equal(before[k], after[k])]
    assert changed, "full fine-tuning left every weight unchanged"


def test_instruct_masks_prompt_and_trains(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    stage = InstructStage(data=DataConfig(train=str(data_dir / "chat.jsonl"), eval=str(data_dir / "chat.jsonl")),
                          max_length=64, adapter=AdapterConfig(method="dora", r=4, alpha=8), trainer=STEPS)
    ckpt = InstructionTuner(stage, output_dir=tmp_path / "sft").run(tiny_llama_dir)
    assert ckpt.kind == "instruct"
    # 2 conversations x 2 copies, one row each; the second has two assistant turns -> 6 turns in 4 rows
    assert ckpt.manifest["data"]["train_rows"] == 4
    assert ckpt.manifest["data"]["train_assistant_turns"] == 6
    assert _lora_b_nonzero(ckpt.path)
    assert json.loads((ckpt.path / "adapter_config.json").read_text())["use_dora"] is True


def test_instruct_renders_examples_through_task(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    stage = InstructStage(data=DataConfig(train=str(data_dir / "code.jsonl")), task="vuln-detect",
                          max_length=96, trainer=STEPS)
    ckpt = InstructionTuner(stage, output_dir=tmp_path / "sft-task").run(tiny_llama_dir)
    assert ckpt.manifest["data"]["train_rows"] == 8


@pytest.mark.parametrize("backbone", ["tiny_llama_dir", "tiny_bert_dir"])
def test_transfer_classifier(backbone: str, request: pytest.FixtureRequest, data_dir: Path, tmp_path: Path) -> None:
    base = request.getfixturevalue(backbone)
    code = str(data_dir / "code.jsonl")
    stage = TransferStage(data=DataConfig(train=code, eval=code), task="vuln-detect", max_length=48,
                          trainer={**STEPS, "eval_strategy": "no"})
    ckpt = TransferTrainer(stage, output_dir=tmp_path / backbone).run(base)
    assert ckpt.labels == ["safe", "vulnerable"] and ckpt.task == "vuln-detect"
    assert ckpt.manifest["class_weights"] == [1.0, 1.0]
    assert "eval_accuracy" in ckpt.metrics
    saved = load_file(str(ckpt.path / "adapter_model.safetensors"))
    assert any(("score" in k or "classifier" in k) for k in saved), "the head must be saved with the adapter"


def test_transfer_counts_unknown_labels_as_rejected(tiny_bert_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text((data_dir / "code.jsonl").read_text() + '{"text": "x = 1", "label": "benign"}\n')
    stage = TransferStage(data=DataConfig(train=str(mixed)), task="vuln-detect", max_length=32, trainer=STEPS)
    ckpt = TransferTrainer(stage, output_dir=tmp_path / "x").run(tiny_bert_dir)
    counts = ckpt.manifest["data"]["counts"][0]
    assert (counts["read"], counts["loaded"], counts["rejected"]) == (9, 8, 1)


def test_transfer_needs_two_classes(tiny_bert_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x = 1", "label": "benign"}\n{"text": "y = 2", "label": "safe"}\n')
    stage = TransferStage(data=DataConfig(train=str(bad)), task="vuln-detect", trainer=STEPS)
    with pytest.raises(ValueError, match="at least two classes"):
        TransferTrainer(stage, output_dir=tmp_path / "x").run(tiny_bert_dir)


def test_zero_usable_rows_is_an_error(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    stage = PretrainStage(data=DataConfig(train=str(data_dir / "broken.jsonl")), trainer=STEPS)
    with pytest.raises(EmptyDatasetError) as err:
        DomainPretrainer(stage, output_dir=tmp_path / "e").run(tiny_llama_dir)
    assert "rejected 3" in str(err.value) and "broken.jsonl:2" in str(err.value)


def test_causal_checkpoint_becomes_classifier_backbone(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    pt = DomainPretrainer(PretrainStage(data=DataConfig(train=str(data_dir / "corpus.jsonl")), max_length=16,
                                        trainer=STEPS), output_dir=tmp_path / "0-pt").run(tiny_llama_dir)
    tr = TransferTrainer(TransferStage(data=DataConfig(train=str(data_dir / "code.jsonl")), max_length=48,
                                       trainer=STEPS), output_dir=tmp_path / "1-tr",
                         model=ModelConfig(name="unused")).run(pt)
    assert tr.parent == str(pt.path)
    chain = lineage(read_checkpoint(tr.path))
    assert [c.kind for c in chain] == ["pretrain", "transfer"]
