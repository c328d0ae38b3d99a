"""benchmarks/bench_train_gpu.py --tiny runs every mode on the CPU and writes a complete JSON."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_train_gpu.py"
MODES = ["vanilla-qlora", "llmsec-instruct-qlora", "llmsec-instruct-qlora-ckpt", "llmsec-pretrain-qlora",
         "vanilla-bf16-lora", "llmsec-instruct-bf16-lora"]


@pytest.mark.slow
def test_tiny_benchmark_writes_every_row(tmp_path: Path) -> None:
    out = tmp_path / "tiny.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--tiny", "--out", str(out)], capture_output=True,
                          text=True, timeout=180, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(out.read_text())
    assert [row["mode"] for row in r["train"]] == MODES
    for row in r["train"]:
        assert len(row["losses"]) == 3
        for key in ("tokens_per_s", "peak_gb", "mfu", "loss_last"):
            assert math.isfinite(row[key]), (row["mode"], key)
        assert row["tokens_per_s"] > 0 and 0 < row["loss_last"] < 20
        assert row["quantized"] is False  # no bitsandbytes 4-bit on the CPU
    assert set(r["loss_agreement"]) == {"qlora", "qlora-ckpt", "bf16-lora"}
    settings = {row["mode"]: row["settings"] for row in r["train"]}
    assert settings["llmsec-instruct-qlora-ckpt"]["activation_checkpointing"] is True
    assert settings["llmsec-instruct-qlora"]["activation_checkpointing"] is False
    for c in r["loss_agreement"].values():
        assert c["steps"] == 3 and c["ok"] and c["max_abs_loss_diff"] <= c["tolerance"]
    assert [row["precision"] for row in r["inference"]] == ["4bit", "bf16"]
    for row in r["inference"]:
        assert math.isfinite(row["generate_tokens_per_s"]) and row["generate_tokens_per_s"] > 0
        assert math.isfinite(row["classify_samples_per_s"]) and row["classify_samples_per_s"] > 0
    assert "4-bit skipped" in r["inference"][0]["note"]
    assert "bitsandbytes 4-bit skipped" in r["notes"][0]
    assert "vanilla-qlora" in proc.stdout and "max |loss diff|" in proc.stdout
