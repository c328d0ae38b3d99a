"""The chunked LM head (``PretrainStage.fused_lm_head``) against the model's own loss, on the CPU.

Runs ``DomainPretrainer`` (LoRA r=16 on every linear layer, built-in corpus,
document mask on) twice per model, once with trl's chunked LM head + cross-entropy
and once with the plain head, each in a fresh subprocess, and reports seconds per
step (steps 2..N), peak RSS (``VmHWM``) and the per-step losses of both. Models:
the built-in SmolLM2-135M (vocabulary 49,152) and a random Llama with a
128,256-entry vocabulary (hidden 512, 4 layers), where the logits dominate memory.
This measurement decides the CPU default of ``fused_lm_head`` (off).

    python benchmarks/bench_lm_head.py [--batch 4] [--seq-len 1024] [--steps 4] [--models smollm2 llama-128k]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "lm_head.json"


def make_llama_128k(path: Path) -> Path:
    """A random Llama with Llama 3's vocabulary size and a small body, saved with SmolLM2's tokenizer."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from llmsec.models import resolve_model

    tok = AutoTokenizer.from_pretrained(resolve_model("smollm2-135m-instruct"))
    cfg = LlamaConfig(vocab_size=128256, hidden_size=512, intermediate_size=1536, num_hidden_layers=4,
                      num_attention_heads=8, num_key_value_heads=4, tie_word_embeddings=True,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    LlamaForCausalLM(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def child(model: str, out: str, fused: bool, batch: int, seq_len: int, steps: int) -> None:
    """One measured run (in its own process)."""
    from transformers import TrainerCallback

    from llmsec.config import AdapterConfig, DataConfig, PretrainStage
    from llmsec.train import DomainPretrainer

    times: list[float] = []

    class StepTimer(TrainerCallback):
        def on_step_begin(self, *args, **kwargs):
            self.t0 = time.perf_counter()

        def on_step_end(self, *args, **kwargs):
            times.append(time.perf_counter() - self.t0)

    stage = PretrainStage(data=DataConfig(train="builtin:corpus"), max_length=seq_len, fused_lm_head=fused,
                          adapter=AdapterConfig(method="lora", r=16, alpha=32, dropout=0.0),
                          trainer={"max_steps": steps, "per_device_train_batch_size": batch, "logging_steps": 1,
                                   "lr_scheduler_type": "constant", "warmup_steps": 0})
    ckpt = DomainPretrainer(stage, output_dir=out, callbacks=[StepTimer()]).run(model)
    losses = [h["loss"] for h in ckpt.manifest["log_history"] if "loss" in h]
    measured = times[1:] or times
    print(json.dumps({"s_per_step": round(sum(measured) / len(measured), 3), "peak_rss_mb": round(peak_rss_mb(), 1),
                      "losses": losses}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--models", nargs="+", default=["smollm2", "llama-128k"], choices=["smollm2", "llama-128k"])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        model, out, fused, batch, seq_len, steps = a.child
        child(model, out, fused == "1", int(batch), int(seq_len), int(steps))
        return
    tmp = Path(tempfile.mkdtemp(prefix="llmsec-bench-lm-head-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    models = {"smollm2": "smollm2-135m-instruct"}
    if "llama-128k" in a.models:
        models["llama-128k"] = str(make_llama_128k(tmp / "llama-128k"))
    rows = []
    for name in a.models:
        for fused in (False, True):
            proc = subprocess.run([sys.executable, __file__, "--child", models[name], str(tmp / f"{name}-{fused}"),
                                   "1" if fused else "0", str(a.batch), str(a.seq_len), str(a.steps)],
                                  env=env, capture_output=True, text=True)
            if proc.returncode:
                raise SystemExit(proc.stderr[-3000:])
            row = {"model": name, "head": "chunked" if fused else "plain",
                   **json.loads(proc.stdout.strip().splitlines()[-1])}
            rows.append(row)
            print(f"{name:11s} {row['head']:8s} {row['s_per_step']:7.2f} s/step  peak RSS {row['peak_rss_mb']:8.1f} MB",
                  flush=True)
    print(f"\n{'model':11s} {'plain s/step':>12s} {'chunked':>8s} {'speed':>6s} {'plain MB':>9s} {'chunked':>8s}"
          f" {'memory':>7s} {'max |loss diff|':>16s}")
    summary = []
    for name in a.models:
        plain, fused = (r for r in rows if r["model"] == name)
        diff = max(abs(x - y) for x, y in zip(plain["losses"], fused["losses"], strict=True))
        s = {"model": name, "speed_ratio": round(plain["s_per_step"] / fused["s_per_step"], 3),
             "memory_ratio": round(fused["peak_rss_mb"] / plain["peak_rss_mb"], 3), "max_loss_diff": diff}
        summary.append(s)
        print(f"{name:11s} {plain['s_per_step']:12.2f} {fused['s_per_step']:8.2f} {s['speed_ratio']:5.2f}x"
              f" {plain['peak_rss_mb']:9.0f} {fused['peak_rss_mb']:8.0f} {s['memory_ratio']:6.2f}x {diff:16.2e}")
    result = {"batch": a.batch, "seq_len": a.seq_len, "steps": a.steps, "runs": rows, "summary": summary,
              "machine": f"{platform.machine()}, {os.cpu_count()} cpu, python {platform.python_version()}"}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {a.out}")


if __name__ == "__main__":
    main()
