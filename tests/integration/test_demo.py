"""The whole demo on the real built-in model and data, each stage cut to a couple of steps."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from llmsec.demo import run_demo
from llmsec.train import lineage, read_checkpoint

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SHORT = [
    "stages.domain.trainer.max_steps=2",
    "stages.instructions.trainer.max_steps=2",
    "stages.vuln-detect.trainer.max_steps=2",
]


def test_demo_runs_every_stage_on_smollm2(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo", overrides=SHORT)
    models = [row["model"] for row in result.rows]
    assert models == ["TF-IDF + LR baseline", "base", "+domain", "+instructions", "+vuln-detect"]
    base, domain = result.rows[1], result.rows[2]
    for row in (base, domain):
        assert math.isfinite(row["corpus_ppl"]) and math.isfinite(row["answer_ppl"])
        assert row["vuln_method"] == "zero-shot"
    assert result.rows[-1]["vuln_method"] == "classifier"
    assert domain["corpus_ppl"] != base["corpus_ppl"], "two LoRA steps must change the model"

    kinds = [c.kind for c in lineage(read_checkpoint(result.checkpoints[-1].path))]
    assert kinds == ["pretrain", "instruct", "transfer"]
    for ckpt in result.checkpoints:
        assert ckpt.metrics["train_steps"] == 2
    report = json.loads((result.report_dir / "report.json").read_text())
    assert len(report["rows"]) == 5 and (result.report_dir / "report.md").read_text().count("|") > 20
