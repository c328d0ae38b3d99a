"""Throughput of llmsec's batched evaluation against a one-at-a-time plain-transformers loop.

Two workloads, each on the same model and the same items:

- classification: the built-in ``minilm-l6`` encoder with a fresh (random) 2-class
  head on the built-in ``vuln-code`` test split, ``llmsec.eval.classifier_probs``
  (batched) against ``model(**tokenizer(text))`` per item;
- generation: the built-in ``smollm2-135m-instruct`` answering CTI-MCQ-style
  multiple-choice prompts greedily, ``llmsec.eval.generate_texts`` (left-padded
  batches) against ``model.generate`` per item.

Each workload runs in its own subprocess so that peak resident memory (RSS, read
from ``/proc/self/status`` ``VmHWM``; tracemalloc does not see torch's allocator)
belongs to that workload alone. Prints a table and writes JSON.

    python benchmarks/bench_eval.py [--items 32] [--max-new-tokens 16] [--batch-size 8]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from _measure import peak_rss_mb

RESULTS = Path(__file__).resolve().parent / "results" / "eval.json"


def _items(n: int, kind: str) -> list[str]:
    from llmsec.data import load_records

    if kind == "classification":
        records, _ = load_records("builtin:vuln-code/test")
        texts = [r.text for r in records]
    else:
        shared = Path(os.environ.get("LLMSEC_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared/data")
        records, _ = load_records(str(shared / "sec_qa/ctibench/cti-mcq.tsv"),
                                  "ctibench-mcq", max_samples=n)
        texts = [r.meta["prompt"] for r in records]
    return (texts * (n // len(texts) + 1))[:n]


def run_workload(kind: str, mode: str, n: int, batch_size: int, max_new_tokens: int) -> dict:
    """One measurement, in this process."""
    import torch

    from llmsec.eval import classifier_probs, generate_texts
    from llmsec.models import load_model, load_tokenizer

    torch.manual_seed(0)
    texts = _items(n, kind)
    if kind == "classification":
        tok = load_tokenizer("minilm-l6")
        model = load_model("minilm-l6", head="classifier", labels=["safe", "vulnerable"])
        classifier_probs(model, tok, texts[:2], batch_size=2)  # warm-up
        start = time.perf_counter()
        if mode == "llmsec":
            classifier_probs(model, tok, texts, max_length=256, batch_size=batch_size)
        else:
            with torch.no_grad():
                for text in texts:
                    enc = tok(text, truncation=True, max_length=256, return_tensors="pt")
                    torch.softmax(model(**enc).logits, -1)
    else:
        tok = load_tokenizer("smollm2-135m-instruct")
        model = load_model("smollm2-135m-instruct")
        prompts = [tok.apply_chat_template([{"role": "user", "content": t}], tokenize=False,
                                           add_generation_prompt=True) for t in texts]
        generate_texts(model, tok, prompts[:1], max_new_tokens=2)  # warm-up
        start = time.perf_counter()
        if mode == "llmsec":
            generate_texts(model, tok, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size)
        else:
            with torch.no_grad():
                for p in prompts:
                    enc = tok(p, return_tensors="pt", add_special_tokens=False)
                    out = model.generate(**enc, do_sample=False, max_new_tokens=max_new_tokens,
                                         pad_token_id=tok.pad_token_id, top_p=None, top_k=None, temperature=None)
                    tok.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    seconds = time.perf_counter() - start
    return {"workload": kind, "mode": mode, "items": n, "seconds": seconds, "samples_per_s": n / seconds,
            "peak_rss_mb": peak_rss_mb(), "batch_size": batch_size if mode == "llmsec" else 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--only", choices=["classification", "generation"], default=None)
    parser.add_argument("--_child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        kind, mode = args._child
        print(json.dumps(run_workload(kind, mode, args.items, args.batch_size, args.max_new_tokens)))
        return

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    rows = []
    kinds = [args.only] if args.only else ["classification", "generation"]
    for kind in kinds:
        for mode in ("transformers-loop", "llmsec"):
            cmd = [sys.executable, __file__, "--items", str(args.items), "--batch-size", str(args.batch_size),
                   "--max-new-tokens", str(args.max_new_tokens), "--_child", kind, mode]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
    summary = {}
    print(f"{'workload':<15} {'mode':<18} {'items':>5} {'batch':>5} {'seconds':>8} {'samples/s':>10} "
          f"{'peak RSS MiB':>12}")
    for r in rows:
        print(f"{r['workload']:<15} {r['mode']:<18} {r['items']:>5} {r['batch_size']:>5} {r['seconds']:>8.2f} "
              f"{r['samples_per_s']:>10.2f} {r['peak_rss_mb']:>12.0f}")
    for kind in kinds:
        loop = next(r for r in rows if r["workload"] == kind and r["mode"] == "transformers-loop")
        ours = next(r for r in rows if r["workload"] == kind and r["mode"] == "llmsec")
        summary[kind] = {"speedup": ours["samples_per_s"] / loop["samples_per_s"],
                         "rss_ratio": ours["peak_rss_mb"] / loop["peak_rss_mb"]}
        print(f"{kind}: llmsec batched is {summary[kind]['speedup']:.2f}x the one-at-a-time loop "
              f"(peak RSS {summary[kind]['rss_ratio']:.2f}x)")
    import torch

    payload = {"rows": rows, "summary": summary, "args": {k: v for k, v in vars(args).items() if k != "_child"},
               "machine": {"python": platform.python_version(), "torch": torch.__version__,
                           "cpu_count": os.cpu_count(), "cuda": torch.cuda.is_available(),
                           "threads": torch.get_num_threads()}}
    payload["args"]["json"] = str(args.json)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
