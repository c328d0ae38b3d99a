"""benchmarks/bench_activation_memory.py: saved activations grow linearly with tokens, and the JSON is complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_activation_memory_is_linear_in_tokens(tmp_path: Path) -> None:
    out = tmp_path / "act.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_activation_memory.py"),
                           "--lengths", "64", "128", "256", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(out.read_text())
    s64, s128, s256 = (row["saved_bytes"] for row in r["runs"])
    assert (s256 - s128) / (s128 - s64) == pytest.approx(2.0, rel=0.02)  # affine: no tokens x tokens matrix kept
    per_token = r["bytes_per_token_per_layer"]
    assert 2048 * 2 * 10 < per_token < 2048 * 2 * 100  # tens of hidden-size bf16 vectors per token
    assert r["bf16_adapters_bytes_per_token"] < per_token
    proj = r["projection"]
    assert proj["checkpointing_gb"] < proj["no_checkpointing_gb"]
    assert "bytes/token" in proc.stdout
