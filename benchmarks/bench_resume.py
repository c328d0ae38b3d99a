"""Crash resilience: SIGKILL a training run N times at random points, resume each time.

Runs ``python -m llmsec train RECIPE`` (a tiny Llama, LoRA, domain pre-training,
``save_steps: 1``) and kills it with SIGKILL at a random moment after a random
step (mid-step or mid-checkpoint write), then ``--resume``s, N times, and lets the
last run finish. Reports:

- how many committed checkpoints were ever unusable after a kill (target 0): every
  one is verified (sizes + SHA-256) after every kill;
- whether the final adapter equals an uninterrupted run's (bit for bit), the stage
  stopped at its planned step count, and the sample ledger shows every step once
  with the same samples;
- time lost per crash: (wall time of all killed + resumed runs - one uninterrupted
  run) / N, split into process restart (start-up until training resumes) and the
  steps redone.

    python benchmarks/bench_resume.py [--kills 20] [--steps 80] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "resume.json"
sys.path.insert(0, str(ROOT / "tests"))


def committed_steps(scratch: Path) -> list[int]:
    folder = scratch / "checkpoints"
    return sorted(int(p.name.split("-")[1]) for p in folder.iterdir()) if folder.is_dir() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()

    import torch
    from safetensors.torch import load_file

    from llmsec.train import read_ledger, verify_checkpoint
    from tiny import make_tiny_llama

    rng = random.Random(opts.seed)
    tmp = Path(tempfile.mkdtemp(prefix="llmsec-bench-resume-"))
    os.environ.setdefault("LLMSEC_HOME", str(tmp / "home"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = make_tiny_llama(tmp / "llama")
    corpus = tmp / "corpus.jsonl"
    with corpus.open("w") as fh:
        for i in range(30):
            fh.write(json.dumps({"text": f"Record {i}: CVE-2023-{i:05d} lets module m{i} overflow {i * 13}."}) + "\n")

    def recipe(out: Path) -> Path:
        raw = {"model": {"name": str(model)}, "output_dir": str(out), "seed": 3,
               "checkpointing": {"record_samples": True},
               "stages": [{"kind": "pretrain", "max_length": 16, "data": {"train": str(corpus)},
                           "trainer": {"max_steps": opts.steps, "per_device_train_batch_size": 2,
                                       "learning_rate": 1e-2, "save_strategy": "steps", "save_steps": 1,
                                       "save_total_limit": 3, "logging_steps": 1}}]}
        path = out.with_suffix(".yaml")
        path.write_text(yaml.safe_dump(raw))
        return path

    def cmd(path: Path, resume: bool) -> list[str]:
        return [sys.executable, "-m", "llmsec", "train", str(path), *(["--resume"] if resume else [])]

    ref_out, out = tmp / "ref", tmp / "killed"
    t0 = time.monotonic()
    subprocess.run(cmd(recipe(ref_out), False), check=True, capture_output=True)
    uninterrupted = time.monotonic() - t0

    scratch = out / "0-pretrain" / "_trainer"
    path = recipe(out)
    unusable_ever, kills, restart_s, redone_steps = 0, [], [], 0
    t0 = time.monotonic()
    for k in range(opts.kills):
        have = committed_steps(scratch)
        before = have[-1] if have else 0
        remaining = opts.steps - before
        target = before + rng.randint(1, max(1, min(3, remaining // max(1, opts.kills - k) + 1)))
        start = time.monotonic()
        proc = subprocess.Popen(cmd(path, k > 0), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        first = None
        while True:
            steps = committed_steps(scratch)
            if first is None and steps and steps[-1] > before:
                first = time.monotonic() - start
            if steps and steps[-1] >= target:
                time.sleep(rng.uniform(0.0, 0.06))
                break
            if proc.poll() is not None:
                raise SystemExit(f"run {k} ended before step {target} (rc {proc.returncode})")
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = committed_steps(scratch)
        bad = [p for p in (scratch / "checkpoints").iterdir() if verify_checkpoint(p) is not None]
        unusable_ever += len(bad)
        # work lost: steps trained after the last committed checkpoint (redone by the next run)
        ledger_steps = [e["step"] for e in read_ledger(scratch)]
        lost = max(0, (max(ledger_steps) if ledger_steps else 0) - after[-1])
        redone_steps += lost
        restart_s.append(first or 0.0)
        kills.append({"kill": k + 1, "target_step": target, "last_committed": after[-1], "steps_lost": lost,
                      "unusable": len(bad), "restart_to_first_new_checkpoint_s": round(first or 0.0, 2)})
        print(f"kill {k + 1:2d}: after step {after[-1]:3d} (target {target}), {lost} step(s) lost, "
              f"{len(bad)} unusable checkpoint(s)", flush=True)
    done = subprocess.run(cmd(path, True), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    total = time.monotonic() - t0

    a = load_file(str(ref_out / "0-pretrain" / "adapter_model.safetensors"))
    b = load_file(str(out / "0-pretrain" / "adapter_model.safetensors"))
    max_diff = max(float((a[key] - b[key]).abs().max()) for key in a)
    final_steps = json.loads((out / "0-pretrain" / "llmsec.json").read_text())["metrics"]["train_steps"]
    got, want = read_ledger(scratch), read_ledger(ref_out / "0-pretrain" / "_trainer")
    result = {
        "kills": opts.kills,
        "steps": opts.steps,
        "unusable_checkpoints_ever": unusable_ever,
        "final_adapter_max_abs_diff": max_diff,
        "final_adapter_allclose": bool(all(torch.allclose(a[k], b[k], rtol=0, atol=1e-6) for k in a)),
        "final_adapter_equal": bool(all(torch.equal(a[k], b[k]) for k in a)),
        "final_train_steps": final_steps,
        "stopped_at_max_steps": final_steps == opts.steps,
        "samples_identical": got == want,
        "every_step_once": [e["step"] for e in got] == list(range(1, opts.steps + 1)),
        "uninterrupted_s": round(uninterrupted, 2),
        "with_kills_s": round(total, 2),
        "time_lost_per_crash_s": round((total - uninterrupted) / opts.kills, 2),
        "mean_restart_to_first_new_checkpoint_s": round(sum(restart_s) / len(restart_s), 2),
        "mean_steps_lost_per_crash": round(redone_steps / opts.kills, 2),
        "per_kill": kills,
        "machine": f"{platform.machine()}, {os.cpu_count()} cpu, python {platform.python_version()}",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "per_kill"}, indent=2))


if __name__ == "__main__":
    main()
