"""Benchmark multi-turn SFT rows: tokens per epoch, one row per assistant turn vs one row per conversation.

Before, instruction tuning turned each assistant turn into a prompt/completion
row that repeated the whole conversation before it; now a conversation is one
row with the loss on every assistant turn (``llmsec.train._multiturn``). The
loss covers the same assistant tokens either way; what changes is how many
tokens the model runs forward and backward per epoch.

The conversations are real: CTIBench's CTI-RCM items (``../shared/data/sec_qa/ctibench``,
CVE description -> CWE) as user turns and GPT-3.5's published free-text answers
to them as assistant turns, chained K items per conversation (the first turn
carries CTIBench's full prompt, later turns only the next CVE description),
K = 1, 2, 4, 8, over the same items. Tokenized with the SmolLM2 tokenizer and
its chat template (the built-in ``smollm2-135m-instruct``). Nothing is trained.

Prints a table and writes ``benchmarks/results/multiturn.json``.

    .venv/bin/python benchmarks/bench_multiturn.py            # about a minute
    .venv/bin/python benchmarks/bench_multiturn.py --items 64 # quicker
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LLMSEC_SHARED_DATA", REPO.parent / "shared" / "data"))
CTI = SHARED / "sec_qa" / "ctibench"
RESULTS = REPO / "benchmarks" / "results" / "multiturn.json"
MODEL = "smollm2-135m-instruct"
TURNS = (1, 2, 4, 8)


def load_pairs(limit: int) -> list[tuple[str, str, str]]:
    """(prompt, description, GPT-3.5 answer) for the first ``limit`` CTI-RCM items."""
    csv.field_size_limit(sys.maxsize)
    with open(CTI / "cti-rcm.tsv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    text = (CTI / "outputs" / "gpt-3.5" / "cti-rcm.txt").read_text(encoding="utf-8")
    parts = re.split(r"^#####(\d+)#####$", text, flags=re.MULTILINE)
    answers = {int(parts[i]): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    pairs = []
    for n, row in enumerate(rows, start=1):
        if answers.get(n):
            pairs.append((row["Prompt"].strip(), row["Description"].strip(), answers[n]))
        if len(pairs) == limit:
            break
    return pairs


def conversations(pairs: list[tuple[str, str, str]], k: int) -> list[Any]:
    """The pairs chained ``k`` per conversation."""
    from llmsec.data import Conversation, Message

    out = []
    for start in range(0, len(pairs) - k + 1, k):
        messages = []
        for j, (prompt, description, answer) in enumerate(pairs[start : start + k]):
            user = prompt if j == 0 else f"Next CVE description: {description}"
            messages += [Message("user", user), Message("assistant", answer)]
        out.append(Conversation(tuple(messages)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=256, help="CTI-RCM items used (a multiple of 8)")
    args = parser.parse_args()

    from llmsec.models import load_tokenizer
    from llmsec.train._multiturn import mask_mode, token_counts

    pairs = load_pairs(args.items)
    tokenizer = load_tokenizer(MODEL)
    rows = []
    t0 = time.perf_counter()
    for k in TURNS:
        convs = conversations(pairs, k)
        counts = token_counts(convs, tokenizer)
        rows.append({
            "turns_per_conversation": k,
            "conversations": len(convs),
            "rows_before": len(convs) * k,
            "rows_after": len(convs),
            "tokens_before": counts["per_turn"],
            "tokens_after": counts["per_conversation"],
            "assistant_tokens": counts["assistant"],
            "ratio": round(counts["per_turn"] / counts["per_conversation"], 3),
        })
    seconds = time.perf_counter() - t0

    header = ("turns/conv", "convs", "rows before", "rows after", "tokens before", "tokens after",
              "assistant tokens", "before/after")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for r in rows:
        print(f"{r['turns_per_conversation']} | {r['conversations']} | {r['rows_before']} | {r['rows_after']} | "
              f"{r['tokens_before']:,} | {r['tokens_after']:,} | {r['assistant_tokens']:,} | {r['ratio']:.2f}x")
    result = {
        "benchmark": "multiturn",
        "data": "CTIBench CTI-RCM prompts + GPT-3.5 answers (sec_qa/ctibench), chained K per conversation",
        "items": len(pairs),
        "tokenizer": MODEL,
        "assistant_mask": mask_mode(tokenizer),
        "rows": rows,
        "seconds": round(seconds, 2),
        "python": platform.python_version(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
