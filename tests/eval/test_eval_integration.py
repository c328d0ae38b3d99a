"""`llmsec eval` on a MiniLM transfer checkpoint trained for a few steps on the built-in vuln-code data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmsec.cli import app
from llmsec.config import DataConfig, ModelConfig, TransferStage
from llmsec.eval import SCHEMA_VERSION
from llmsec.train import TransferTrainer


@pytest.mark.integration
def test_llmsec_eval_minilm_transfer_checkpoint(tmp_path: Path) -> None:
    stage = TransferStage(task="vuln-detect", max_length=64, adapter={"method": "full"},
                          data=DataConfig(train="builtin:vuln-code", eval="builtin:vuln-code/test"),
                          trainer={"max_steps": 3, "per_device_train_batch_size": 8, "learning_rate": 1e-4,
                                   "eval_strategy": "no", "logging_steps": 1})
    ckpt = TransferTrainer(stage, output_dir=tmp_path / "0-transfer", model=ModelConfig(name="minilm-l6")).run(
        "minilm-l6")
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["eval", str(ckpt.path), "--task", "vuln-detect", "--data",
                                      "builtin:vuln-code/test", "--max-length", "64", "--batch-size", "20",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    res = json.loads((out / "results.json").read_text())
    assert res["schema_version"] == SCHEMA_VERSION == 2 and res["method"] == "classifier" and res["n"] == 40
    assert res["contamination"]["checked"] and res["contamination"]["report"]["n_train"] == 144
    assert res["baseline"]["n_train"] == 144 and res["baseline"]["metrics"]["accuracy"] > 0.5
    assert 0.0 <= res["metrics"]["roc_auc"] <= 1.0 and 0.0 <= res["metrics"]["vd_s"] <= 1.0
    for name in ("report.md", "roc.png", "pr.png", "confusion.png", "calibration.png", "loss.png"):
        assert (out / name).is_file(), name
    assert "TF-IDF + logistic regression" in (out / "report.md").read_text()
