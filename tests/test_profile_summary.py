"""benchmarks/profile_summary.py: kernels are put in the right category and the gaps are the idle time."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from profile_summary import classify, load_trace, summarize

VOCAB, R = 1000, 16


def _op(name: str, ts: float, dur: float, ext: int, dims: list | None = None, cat: str = "cpu_op") -> dict:
    args = {"External id": ext} | ({"Input Dims": dims} if dims else {})
    return {"ph": "X", "cat": cat, "name": name, "pid": 1, "tid": 1, "ts": ts, "dur": dur, "args": args}


def _kernel(name: str, ts: float, dur: float, ext: int) -> dict:
    return {"ph": "X", "cat": "kernel", "name": name, "pid": 0, "tid": 7, "ts": ts, "dur": dur,
            "args": {"External id": ext, "correlation": ext + 1000}}


def cuda_trace() -> dict:
    """One 100 us step as kineto writes it: CPU ops nested by time, kernels linked by External id."""
    ev = [{"ph": "X", "cat": "user_annotation", "name": "ProfilerStep#2", "pid": 1, "tid": 1, "ts": 0, "dur": 100,
           "args": {}},
          _op("aten::linear", 1, 9, 1), _op("aten::mm", 2, 7, 2, [[64, 2048], [2048, 2048]]),
          _op("aten::mm", 10, 2, 3, [[64, 2048], [2048, R]]),
          _op("aten::scaled_dot_product_attention", 12, 5, 4), _op("aten::_efficient_attention_forward", 13, 3, 5),
          _op("bitsandbytes::dequantize_4bit", 17, 2, 6),
          _op("aten::mm", 19, 2, 7, [[64, 2048], [2048, VOCAB]]),
          _op("aten::mul", 21, 1, 8), _op("aten::copy_", 22, 1, 9),
          _op("Optimizer.step#AdamW.step", 30, 10, 10, cat="user_annotation"), _op("aten::_foreach_mul_", 31, 5, 11)]
    ev += [_kernel("nvjet_hsh_256x128_gemm", 20, 30, 2),             # base matmul: 30 us
           _kernel("nvjet_hsh_64x16_gemm", 50, 5, 3),                # LoRA (a dimension equal to r): 5
           _kernel("fmha_cutlassF_bf16_aligned_64x64", 55, 10, 5),   # attention: 10
           _kernel("kDequantizeBlockwise", 65, 4, 6),                # 4-bit dequantization: 4
           _kernel("nvjet_hsh_128x256_gemm", 69, 6, 7),              # LM head (the vocabulary): 6
           _kernel("void at::native::vectorized_elementwise_kernel<mul>", 75, 2, 8),  # activation: 2
           _kernel("void at::native::elementwise_kernel<copy>", 77, 1, 9),            # copy: 1 (own op says so)
           _kernel("multi_tensor_apply_kernel", 80, 8, 11)]          # optimizer: 8 -> busy 66 of 100
    return {"traceEvents": ev}


def test_kernels_go_to_their_categories_and_idle_time_is_the_gap(tmp_path: Path) -> None:
    path = tmp_path / "t.json.gz"
    with gzip.open(path, "wt") as f:
        json.dump(cuda_trace(), f)
    s = summarize(load_trace(path), vocab=VOCAB, lora_r=R)
    assert s["device"] == "cuda" and s["steps"] == 1 and s["step_ms"] == pytest.approx(0.1)
    want_us = {"matmul": 30, "lora": 5, "attention": 10, "4-bit dequant": 4, "lm head + loss": 6,
               "norms/activations": 2, "copies": 1, "optimizer": 8, "other": 0, "gaps": 34}
    assert {c: round(v * 1e3) for c, v in s["ms"].items()} == want_us
    assert sum(s["share"].values()) == pytest.approx(1.0)
    assert s["top"][0]["name"] == "nvjet_hsh_256x128_gemm" and s["top"][0]["category"] == "matmul"


def test_classify_scopes_beat_op_kinds() -> None:
    assert classify(["aten::mul", "Optimizer.step#AdamW.step"], [], vocab=VOCAB, lora_r=R) == "optimizer"
    assert classify(["aten::mm", "FusedLoraLinearFn"], [64, 2048, 2048, 2048], vocab=VOCAB, lora_r=R) == "matmul"
    assert classify(["aten::mm", "FusedLoraLinearFn"], [64, 2048, 2048, R], vocab=VOCAB, lora_r=R) == "lora"
    assert classify(["aten::transpose", "aten::linear"], [64, 2048], vocab=VOCAB, lora_r=R) == "copies"
    assert classify(["aten::bmm", "aten::scaled_dot_product_attention"], [R], vocab=VOCAB, lora_r=R) == "attention"
    assert classify(["something_new"], [], vocab=VOCAB, lora_r=R) == "other"


def test_a_trace_without_steps_is_refused() -> None:
    with pytest.raises(ValueError, match="ProfilerStep"):
        summarize({"traceEvents": [_op("aten::mm", 0, 1, 1)]}, vocab=VOCAB, lora_r=R)


def test_command_line_summarizes_a_trace_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from profile_summary import main

    path = tmp_path / "t.json"
    path.write_text(json.dumps(cuda_trace()))
    s = main([str(path), "--vocab", str(VOCAB), "--lora-r", str(R), "--top", "2"])
    assert len(s["top"]) == 2 and s["ms"]["lora"] == pytest.approx(0.005)
    assert "gaps" in capsys.readouterr().out
