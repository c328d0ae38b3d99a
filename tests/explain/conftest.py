"""Tiny TransferTrainer checkpoints (2 training steps) for the explain tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CODE = [
    ("void copy(char *s)\n{\n    char b[8];\n    strcpy(b, s);\n}", "vulnerable"),
    ("void copy(const char *s)\n{\n    char b[8];\n    snprintf(b, sizeof b, \"%s\", s);\n}", "safe"),
    ("import os\ndef run(cmd):\n    os.system('ping ' + cmd)", "vulnerable"),
    ("import subprocess\ndef run(host):\n    subprocess.run(['ping', host], check=True)", "safe"),
]
STEPS = {"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 1e-2, "logging_steps": 1,
         "eval_strategy": "no"}


def _train(base: Path, out: Path, method: str) -> Path:
    from llmsec.config import AdapterConfig, DataConfig, TransferStage
    from llmsec.train import TransferTrainer

    out.mkdir(parents=True, exist_ok=True)
    data = out / "code.jsonl"
    data.write_text("".join(json.dumps({"text": t, "label": y, "group": str(i)}) + "\n"
                            for i, (t, y) in enumerate(CODE)))
    stage = TransferStage(data=DataConfig(train=str(data)), task="vuln-detect", max_length=64,
                          adapter=AdapterConfig(method=method), trainer=STEPS)
    return TransferTrainer(stage, output_dir=out / "ckpt").run(base).path


@pytest.fixture(scope="module")
def bert_ckpt(tiny_bert_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BERT classifier, full fine-tuning."""
    return _train(tiny_bert_dir, tmp_path_factory.mktemp("bert-clf"), "full")


@pytest.fixture(scope="module")
def llama_lora_ckpt(tiny_llama_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Llama classifier with a LoRA adapter (head in modules_to_save)."""
    return _train(tiny_llama_dir, tmp_path_factory.mktemp("llama-clf"), "lora")
