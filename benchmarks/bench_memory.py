"""Peak memory of domain pre-training against corpus size: it must not grow with the corpus.

Generates JSONL security corpora of the given sizes on disk, then in a fresh
subprocess per size runs ``DomainPretrainer`` (tiny Llama, LoRA, ``max_length``
256, a few steps): the corpus is streamed, tokenized, packed into a
memory-mapped Arrow file and trained on. Reports peak RSS (``VmHWM``) of each
run, the packing time and the blocks produced; the target is the largest
corpus within 1.5x of the smallest one's peak.

    python benchmarks/bench_memory.py [--sizes-mb 100 1000] [--steps 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "memory.json"

WORDS = [
    "CVE", "buffer", "overflow", "heap", "stack", "injection", "SQL", "XSS", "CSRF", "deserialization",
    "attacker", "remote", "code", "execution", "privilege", "escalation", "kernel", "driver", "parser",
    "firewall", "malware", "ransomware", "phishing", "credential", "LSASS", "token", "authentication",
    "bypass", "patch", "vulnerability", "exploit", "payload", "shell", "command", "ATT&CK", "technique",
    "lateral", "movement", "persistence", "exfiltration", "beacon", "C2", "TLS", "certificate",
]


def write_corpus(path: Path, size_mb: int, seed: int = 0) -> int:
    """A JSONL corpus of about ``size_mb`` MiB of distinct security-flavoured documents."""
    rng = random.Random(seed)
    pool = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 200))) for _ in range(2000)]
    target, written, i = size_mb << 20, 0, 0
    with path.open("w", encoding="utf-8") as fh:
        while written < target:
            line = json.dumps({"text": f"Advisory {i}: {pool[i % len(pool)]} (ref {i * 7919 % 100003})."}) + "\n"
            fh.write(line)
            written += len(line)
            i += 1
    return i


def child(corpus: str, model: str, out: str, steps: int) -> None:
    """One measured run (in its own process)."""
    from llmsec.config import DataConfig, PretrainStage
    from llmsec.train import DomainPretrainer

    baseline = peak_rss_mb()
    stage = PretrainStage(data=DataConfig(train=corpus), max_length=256,
                          trainer={"max_steps": steps, "per_device_train_batch_size": 4, "logging_steps": 1})
    t0 = time.monotonic()
    ckpt = DomainPretrainer(stage, output_dir=out).run(model)
    print(json.dumps({"peak_rss_mb": round(peak_rss_mb(), 1), "import_rss_mb": round(baseline, 1),
                      "seconds": round(time.monotonic() - t0, 1), "blocks": ckpt.manifest["data"]["train_blocks"],
                      "steps": ckpt.metrics["train_steps"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child:
        child(*opts.child[:3], int(opts.child[3]))
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from tiny import make_tiny_llama

    tmp = Path(tempfile.mkdtemp(prefix="llmsec-bench-memory-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LLMSEC_HOME": str(tmp / "home")}
    model = make_tiny_llama(tmp / "llama")
    rows = []
    for size in opts.sizes_mb:
        corpus = tmp / f"corpus-{size}mb.jsonl"
        docs = write_corpus(corpus, size)
        proc = subprocess.run([sys.executable, __file__, "--child", str(corpus), str(model),
                               str(tmp / f"out-{size}"), str(opts.steps)],
                              env=env, capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(proc.stderr[-3000:])
        row = {"corpus_mb": size, "documents": docs, **json.loads(proc.stdout.strip().splitlines()[-1])}
        rows.append(row)
        print(f"{size:5d} MB: peak RSS {row['peak_rss_mb']:7.1f} MB, {row['blocks']} blocks, {row['seconds']} s",
              flush=True)
        corpus.unlink()
    ratio = rows[-1]["peak_rss_mb"] / rows[0]["peak_rss_mb"]
    result = {"runs": rows, "peak_ratio_largest_to_smallest": round(ratio, 3), "target": 1.5,
              "within_target": ratio <= 1.5,
              "machine": f"{platform.machine()}, {os.cpu_count()} cpu, python {platform.python_version()}"}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
