"""Seconds per explained 512-token function on the CPU, per built-in model and attribution method.

Builds a classifier on each built-in backbone (``minilm-l6`` encoder,
``smollm2-135m-instruct`` decoder) with a fresh random head (timing does not
depend on trained weights), takes a real Juliet function from
``../shared/data`` cut to exactly 512 content tokens (the minilm context is
512 with its two special tokens, so it is explained as 510 + windows there),
and times ``gxi``, ``rollout`` and ``ig`` (with its interpolation steps run
one at a time, ``internal_batch_size=1``, and batched). Prints a table and
writes JSON.

    .venv/bin/python benchmarks/bench_explain.py --steps 8 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
JULIET = REPO.parent / "shared" / "data" / "vuln_code" / "juliet_c_v1.3" / "testcases"
MODELS = ("minilm-l6", "smollm2-135m-instruct")


def _function_text(tokenizer, n_tokens: int) -> str:
    """Juliet functions joined until ``n_tokens`` content tokens, cut at exactly that many."""
    from llmsec.data import load_records

    records, _ = load_records(str(JULIET), "juliet", max_samples=200)
    text = ""
    for r in sorted(records, key=lambda r: -len(r.text)):
        text += r.text + "\n"
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        if len(enc["input_ids"]) >= n_tokens:
            return text[: enc["offset_mapping"][n_tokens - 1][1]]
    raise RuntimeError(f"not enough Juliet code for {n_tokens} tokens")


def _time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--steps", type=int, default=8, help="integrated-gradients steps")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "explain.json")
    args = parser.parse_args(argv)


    from llmsec.explain import Explainer
    from llmsec.models import load_model, load_tokenizer

    rows = []
    for name in args.models.split(","):
        tokenizer = load_tokenizer(name)
        model = load_model(name, head="classifier", labels=["safe", "vulnerable"]).float()
        explainer = Explainer(model, tokenizer, source=f"{name} (random head)")
        n_special = len(tokenizer("x")["input_ids"]) - len(tokenizer("x", add_special_tokens=False)["input_ids"])
        text = _function_text(tokenizer, min(args.tokens, explainer.max_tokens) - n_special)
        explainer.explain(text[:200], method="ig", n_steps=2)  # warm-up: captum import, first allocations
        cases = [("gxi", None), ("rollout", None), ("ig", 1), ("ig", args.steps)]
        for method, batch in cases:
            run = partial(explainer.explain, text, method=method, unit="line", n_steps=args.steps,
                          internal_batch_size=batch)
            seconds, e = _time(run, args.repeats)
            label = method if method != "ig" else f"ig ({args.steps} steps, batch {batch})"
            rows.append({"model": name, "method": method, "label": label, "ig_steps": args.steps if batch else None,
                         "internal_batch_size": batch, "seconds": round(seconds, 3), "windows": e.windows,
                         "tokens": len(e.tokens), "context": explainer.max_tokens})
            print(f"{name:24s} {label:28s} {seconds:8.2f} s  ({len(e.tokens)} tokens, {e.windows} window(s))",
                  file=sys.stderr)
            _write(args, rows)  # after every row, so an interrupted run keeps what it measured

    print("\n| model | method | seconds / function | tokens | windows |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r['label']} | {r['seconds']:.2f} | {r['tokens']} | {r['windows']} |")
    _write(args, rows)
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


def _write(args: argparse.Namespace, rows: list[dict]) -> None:
    import torch

    payload = {"tokens": args.tokens, "ig_steps": args.steps, "repeats": args.repeats,
               "platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
               "load_average": os.getloadavg(), "torch": torch.__version__, "threads": torch.get_num_threads(),
               "rows": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
