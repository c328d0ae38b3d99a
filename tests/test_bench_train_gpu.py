"""benchmarks/bench_train_gpu.py --tiny runs every mode and the lever ladder on the CPU; --profile writes a trace."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_train_gpu.py"
MODES = ["vanilla-qlora", "llmsec-instruct-qlora", "llmsec-instruct-qlora-ckpt", "llmsec-pretrain-qlora",
         "vanilla-bf16-lora", "llmsec-instruct-bf16-lora"]
LADDER = ["llmsec-instruct-qlora+offload", "llmsec-instruct-qlora+offload+flex",
          "llmsec-instruct-qlora+offload+flex+fused-lora", "llmsec-instruct-qlora+offload+flex+fused-lora+dequant-once",
          "llmsec-pretrain-qlora+offload+flex+fused-lora+dequant-once"]


@pytest.mark.slow
def test_tiny_benchmark_writes_every_row(tmp_path: Path) -> None:
    out = tmp_path / "tiny.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--tiny", "--out", str(out)], capture_output=True,
                          text=True, timeout=180, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(out.read_text())
    assert [row["mode"] for row in r["train"]] == MODES + LADDER  # +compile is left out of --tiny's default
    assert r["failed"] == []
    for row in r["train"]:
        assert len(row["losses"]) == 3
        for key in ("tokens_per_s", "peak_gb", "mfu", "loss_last"):
            assert math.isfinite(row[key]), (row["mode"], key)
        assert row["tokens_per_s"] > 0 and 0 < row["loss_last"] < 20
        assert row["quantized"] is False  # no bitsandbytes 4-bit on the CPU
    assert set(r["loss_agreement"]) == {"qlora", "qlora-ckpt", "bf16-lora", *(m.replace("llmsec-instruct-", "")
                                                                               for m in LADDER[:4]),
                                        "pretrain+offload+flex+fused-lora+dequant-once"}
    levers = {row["mode"]: row["levers"] for row in r["train"]}
    assert levers["llmsec-instruct-qlora+offload+flex+fused-lora"]["offload"] == "on: 2 layers"
    assert levers["llmsec-instruct-qlora+offload+flex+fused-lora"]["fused-lora"] == "on: 14 LoRA linears"
    assert levers["llmsec-instruct-qlora+offload+flex"]["flex"].startswith("skipped: flex_attention has no backward")
    assert r["loss_agreement"]["pretrain+offload+flex+fused-lora+dequant-once"]["reference"] == "llmsec-pretrain-qlora"
    settings = {row["mode"]: row["settings"] for row in r["train"]}
    assert settings["llmsec-instruct-qlora-ckpt"]["activation_checkpointing"] is True
    assert settings["llmsec-instruct-qlora"]["activation_checkpointing"] is False
    for c in r["loss_agreement"].values():  # the levers change no maths: the ladder's losses agree too
        assert c["steps"] == 3 and c["ok"] and c["max_abs_loss_diff"] <= c["tolerance"]
    assert [row["precision"] for row in r["inference"]] == ["4bit", "bf16"]
    for row in r["inference"]:
        assert math.isfinite(row["generate_tokens_per_s"]) and row["generate_tokens_per_s"] > 0
        assert math.isfinite(row["classify_samples_per_s"]) and row["classify_samples_per_s"] > 0
    assert "4-bit skipped" in r["inference"][0]["note"]
    assert "bitsandbytes 4-bit skipped" in r["notes"][0]
    assert "vanilla-qlora" in proc.stdout and "max |loss diff|" in proc.stdout


@pytest.mark.slow
def test_tiny_profile_writes_shares_and_a_trace(tmp_path: Path) -> None:
    from profile_summary import CATEGORIES, load_trace

    out = tmp_path / "profile.json"
    mode = "llmsec-instruct-qlora+offload+fused-lora"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--tiny", "--profile", "--modes", mode, "--out", str(out)],
                          capture_output=True, text=True, timeout=180, cwd=ROOT,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    p = json.loads(out.read_text())["profiles"][mode]
    assert p["device"] == "cpu" and p["steps"] == 2 and p["step_ms"] > 0
    assert set(p["share"]) == {*CATEGORIES, "gaps"}
    assert sum(p["share"].values()) == pytest.approx(1.0, abs=0.02)  # CPU self times + gaps make the step
    for category in ("matmul", "lora", "attention", "norms/activations", "lm head + loss", "optimizer"):
        assert p["ms"][category] > 0, category
    trace = load_trace(ROOT / p["trace"] if not Path(p["trace"]).is_absolute() else p["trace"])
    # The fused LoRA function ran (the top-15 table ranks by time, which a busy machine reorders).
    assert any(e.get("name") == "FusedLoraLinearFn" for e in trace["traceEvents"])
    assert sum(e.get("name", "").startswith("ProfilerStep#") for e in trace["traceEvents"]) == 2
    assert "lm head + loss" in proc.stdout and "top 15 CPU ops" in proc.stdout


def test_a_failing_mode_is_recorded_and_the_others_still_run() -> None:
    from bench_train_gpu import run_all

    def run(mode: str) -> dict:
        if mode == "b":
            raise RuntimeError("CUDA out of memory")
        return {"mode": mode}

    rows, failed = run_all(["a", "b", "c"], run, cuda=False)
    assert [r["mode"] for r in rows] == ["a", "c"]
    assert failed == [{"mode": "b", "error": "RuntimeError: CUDA out of memory"}]
