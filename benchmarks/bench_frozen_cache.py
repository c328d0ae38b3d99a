"""The frozen-layer cache (``TransferStage.cache_frozen``): TransferTrainer step times with and without it.

Trains a LoRA classifier on the top ``k`` blocks of the built-in MiniLM-L6
(top 2 of 6) and SmolLM2-135M (top 4 of 30) on real phishing and benign URLs
(``../shared/data/phishing_url``: PhishTank and ISCX-URL-2016, half each), for
several epochs, once with the cache and once without, each in a fresh
subprocess, alternating with/without ``--repeats`` times so that a shared
machine's load falls on both alike. Reports seconds per optimizer step in
epoch 1 (where the cache fills) and in the later epochs (served from the
cache), as wall time and as this process's CPU time (all its threads: the
steadier measure when other jobs share the cores), their ratios (without /
with), and the final training loss of each run.

    python benchmarks/bench_frozen_cache.py [--examples 128] [--epochs 3] [--batch 16] [--repeats 2]
        [--models minilm smollm2] [--threads N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "frozen_cache.json"
URLS = ROOT.parent / "shared" / "data" / "phishing_url"
MODELS = {"minilm": ("minilm-l6", 2), "smollm2": ("smollm2-135m-instruct", 4)}
N_LAYERS = {"minilm": 6, "smollm2": 30}


def write_urls(path: Path, n: int) -> Path:
    """``n`` URLs as JSONL, half PhishTank phishing, half ISCX benign, spread over each file."""
    with open(URLS / "2.online-valid.csv", newline="", encoding="utf-8") as f:
        phish = [row["url"] for row in csv.DictReader(f)]
    benign = [line.strip() for line in (URLS / "1.Benign_list_big_final.csv").read_text().splitlines() if line.strip()]
    half = n // 2
    rows = [{"text": u, "label": "phishing"} for u in phish[:: max(1, len(phish) // half)][:half]]
    rows += [{"text": u, "label": "benign"} for u in benign[:: max(1, len(benign) // (n - half))][: n - half]]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def child(model: str, top: int, data: str, out: str, cache: bool, epochs: int, batch: int, threads: int) -> None:
    """One measured run (in its own process): per-step times by epoch, final loss, peak RSS."""
    import torch
    from transformers import TrainerCallback

    from llmsec.config import AdapterConfig, DataConfig, TransferStage
    from llmsec.train import TransferTrainer

    if threads:
        torch.set_num_threads(threads)
    wall: dict[int, list[float]] = {}
    cpu: dict[int, list[float]] = {}

    class StepTimer(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            self.epoch = int(state.epoch or 0)
            self.t0, self.c0 = time.perf_counter(), time.process_time()

        def on_step_end(self, args, state, control, **kwargs):
            wall.setdefault(self.epoch, []).append(time.perf_counter() - self.t0)
            cpu.setdefault(self.epoch, []).append(time.process_time() - self.c0)

    stage = TransferStage(data=DataConfig(train=data), task="phishing-url", max_length=64, cache_frozen=cache,
                          adapter=AdapterConfig(method="lora", r=8, alpha=16, top_layers=top),
                          trainer={"num_train_epochs": epochs, "per_device_train_batch_size": batch,
                                   "learning_rate": 1e-3, "logging_steps": 1, "disable_tqdm": True})
    ckpt = TransferTrainer(stage, output_dir=out, callbacks=[StepTimer()]).run(model)
    losses = [h["loss"] for h in ckpt.manifest["log_history"] if "loss" in h]

    def per_step(times: dict[int, list[float]], later: bool) -> float:
        steps = [t for e, ts in times.items() if (e > 0) == later for t in ts]
        return round(statistics.mean(steps), 4)

    print(json.dumps({
        "s_per_step_epoch1": per_step(wall, False), "s_per_step_later": per_step(wall, True),
        "cpu_s_per_step_epoch1": per_step(cpu, False), "cpu_s_per_step_later": per_step(cpu, True),
        "steps": sum(len(ts) for ts in wall.values()), "train_s": round(sum(map(sum, wall.values())), 2),
        "cpu_s": round(sum(map(sum, cpu.values())), 2), "final_loss": losses[-1],
        "peak_rss_mb": round(peak_rss_mb(), 1), "torch_threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(), "load_average_1m": os.getloadavg()[0],
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads in each run (0: torch's)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs=8, help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        model, top, data, out, cache, epochs, batch, threads = a.child
        child(model, int(top), data, out, cache == "1", int(epochs), int(batch), int(threads))
        return
    tmp = Path(tempfile.mkdtemp(prefix="llmsec-bench-frozen-cache-"))
    data = write_urls(tmp / "urls.jsonl", a.examples)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    runs = []
    for name in a.models:
        model, top = MODELS[name]
        for rep in range(a.repeats):
            for cache in ((True, False) if rep % 2 == 0 else (False, True)):  # alternate which goes first
                out = tmp / f"{name}-{rep}-{int(cache)}"
                cmd = [sys.executable, __file__, "--child", model, str(top), str(data), str(out), str(int(cache)),
                       str(a.epochs), str(a.batch), str(a.threads)]
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
                if proc.returncode:
                    raise SystemExit(proc.stderr[-3000:])
                run = {"model": name, "top_layers": top, "cache": cache, "repeat": rep,
                       **json.loads(proc.stdout.strip().splitlines()[-1])}
                runs.append(run)
                print(f"{name:8s} cache={'on ' if cache else 'off'} epoch 1 {run['s_per_step_epoch1']:6.3f} s/step"
                      f" ({run['cpu_s_per_step_epoch1']:6.3f} CPU s), later {run['s_per_step_later']:6.3f} s/step"
                      f" ({run['cpu_s_per_step_later']:6.3f} CPU s), loss {run['final_loss']:.3f},"
                      f" load {run['load_average_1m']:.1f}", flush=True)
    keys = ("s_per_step_epoch1", "s_per_step_later", "cpu_s_per_step_epoch1", "cpu_s_per_step_later", "train_s",
            "cpu_s", "final_loss")
    print(f"\n{'model':8s} {'top':>5s} {'cache':>5s} {'epoch 1 s/step':>14s} {'later s/step':>12s}"
          f" {'CPU s/step: epoch 1':>19s} {'later':>6s} {'train s':>8s} {'CPU s':>7s} {'final loss':>10s}")
    summary = []
    for name in a.models:
        rows = {c: [r for r in runs if r["model"] == name and r["cache"] == c] for c in (True, False)}
        mean = {c: {k: statistics.mean(r[k] for r in rows[c]) for k in keys} for c in rows}
        for c in (False, True):
            m = mean[c]
            print(f"{name:8s} {rows[c][0]['top_layers']:>2d}/{N_LAYERS[name]:<2d} {'on' if c else 'off':>5s}"
                  f" {m['s_per_step_epoch1']:14.3f} {m['s_per_step_later']:12.3f} {m['cpu_s_per_step_epoch1']:19.3f}"
                  f" {m['cpu_s_per_step_later']:6.3f} {m['train_s']:8.1f} {m['cpu_s']:7.1f} {m['final_loss']:10.3f}")
        s = {"model": name, **{f"{k}_ratio": round(mean[False][k] / mean[True][k], 2) for k in keys[:-1]}}
        summary.append(s)
        print(f"{name:8s} without/with, wall: epoch 1 {s['s_per_step_epoch1_ratio']:.2f}x, later epochs"
              f" {s['s_per_step_later_ratio']:.2f}x, run {s['train_s_ratio']:.2f}x; CPU time: epoch 1"
              f" {s['cpu_s_per_step_epoch1_ratio']:.2f}x, later {s['cpu_s_per_step_later_ratio']:.2f}x,"
              f" run {s['cpu_s_ratio']:.2f}x")
    result = {"examples": a.examples, "epochs": a.epochs, "batch": a.batch, "max_length": 64, "repeats": a.repeats,
              "threads": a.threads or "torch default", "runs": runs, "summary": summary,
              "load_average": os.getloadavg(),
              "machine": f"{platform.machine()}, {os.cpu_count()} cpu, python {platform.python_version()}"}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {a.out}")


if __name__ == "__main__":
    main()
