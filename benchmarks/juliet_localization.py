"""Juliet line localization: do attributions point at the flaw lines?

Trains a ``vuln-detect`` classifier with :class:`~llmsec.train.TransferTrainer`
on the Juliet C/C++ samples in ``../shared/data/vuln_code`` (split by test
case, so the evaluated cases are unseen; comments are stripped by the loader so
the model cannot read ``/* FLAW */``), then ranks the lines of every held-out
*vulnerable* function by integrated gradients, gradient × input and attention
rollout, next to a random ranking and a lexical (dangerous-call keyword)
baseline. Prints a markdown table and writes JSON.

    .venv/bin/python benchmarks/juliet_localization.py --out runs/juliet-loc --max-steps 40 --limit 15 --ig-steps 8

(the command behind the table in docs/explainability.md; drop ``--max-steps`` and
``--limit`` and raise ``--epochs`` / ``--ig-steps`` on a machine with time to spare).

The checkpoint is reused when ``OUT/checkpoint`` already holds one
(``--retrain`` trains again); ``--train-only`` stops after training.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
JULIET = REPO.parent / "shared" / "data" / "vuln_code" / "juliet_c_v1.3" / "testcases"


def _split(data: Path, seed: int, test_size: float) -> tuple[list, list]:
    from llmsec.data import load_records, split_records

    records, report = load_records(str(data), "juliet")
    train, test = split_records(records, by="group", test_size=test_size, seed=seed)
    overlap = {r.group for r in train} & {r.group for r in test}
    assert not overlap, f"test cases on both sides of the split: {sorted(overlap)[:3]}"
    print(f"juliet: {report.summary()}; {len(train)} train / {len(test)} test functions "
          f"({len({r.group for r in test})} unseen test cases)", file=sys.stderr)
    return train, test


def _adapter(lora_layers: int | None):
    """Full fine-tuning, or LoRA on the top ``lora_layers`` of MiniLM's 6 (backward stops below them)."""
    from llmsec.config import AdapterConfig

    if not lora_layers:
        return AdapterConfig(method="full")
    names = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
             "intermediate.dense", "output.dense")
    targets = [f"encoder.layer.{i}.{n}" for i in range(6 - lora_layers, 6) for n in names]
    return AdapterConfig(method="lora", r=16, alpha=32, dropout=0.0, target_modules=targets)


def _train(train: list, out: Path, args: argparse.Namespace) -> Path:
    import random

    from llmsec.config import DataConfig, TransferStage
    from llmsec.data import record_to_dict
    from llmsec.train import TransferTrainer

    out.mkdir(parents=True, exist_ok=True)
    vulnerable = [r for r in train if r.label == "vulnerable"]
    safe = [r for r in train if r.label != "vulnerable"]
    if args.safe_ratio is not None:  # fewer safe functions: less CPU time, balanced classes
        safe = random.Random(args.seed).sample(safe, min(len(safe), round(args.safe_ratio * len(vulnerable))))
    train = [r for r in train if r in vulnerable or r in safe]
    print(f"training on {len(vulnerable)} vulnerable + {len(safe)} safe functions", file=sys.stderr)
    train_file = out / "train.jsonl"
    train_file.write_text("".join(json.dumps(record_to_dict(r)) + "\n" for r in train), encoding="utf-8")
    stage = TransferStage(
        data=DataConfig(train=str(train_file), format="jsonl"),
        task="vuln-detect",
        max_length=args.max_length,
        adapter=_adapter(args.lora_layers),
        trainer={"num_train_epochs": args.epochs, "per_device_train_batch_size": 16,
                 **({"max_steps": args.max_steps} if args.max_steps else {}),
                 "learning_rate": args.lr, "warmup_steps": 10, "logging_steps": 20,
                 "lr_scheduler_type": "linear"},
    )
    start = time.perf_counter()
    ckpt = TransferTrainer(stage, output_dir=out / "checkpoint", seed=args.seed).run(args.model)
    print(f"trained in {time.perf_counter() - start:.0f} s: {ckpt.metrics}", file=sys.stderr)
    return ckpt.path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=JULIET)
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "juliet-loc")
    parser.add_argument("--model", default="minilm-l6")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lora-layers", type=int, default=3,
                        help="LoRA on the top N encoder layers (0: full fine-tuning)")
    parser.add_argument("--max-steps", type=int, default=None, help="stop training after this many steps")
    parser.add_argument("--safe-ratio", type=float, default=1.0,
                        help="train on at most this many safe functions per vulnerable one")
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--methods", default="ig,gxi,rollout")
    parser.add_argument("--ig-steps", type=int, default=16)
    parser.add_argument("--limit", type=int, default=None,
                        help="evaluate a seeded random sample of this many held-out vulnerable functions")
    parser.add_argument("--retrain", action="store_true")
    parser.add_argument("--train-only", action="store_true")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "juliet_localization.json")
    args = parser.parse_args(argv)

    import torch

    torch.manual_seed(args.seed)
    train, test = _split(args.data, args.seed, args.test_size)
    ckpt_dir = args.out / "checkpoint"
    if args.retrain or not (ckpt_dir / "llmsec.json").is_file():
        _train(train, args.out, args)
    if args.train_only:
        return 0

    from llmsec.explain import localization_table, localize

    vulnerable = [r for r in test if r.label == "vulnerable" and r.meta.get("flaw_lines")]
    if args.limit and args.limit < len(vulnerable):  # a seeded random sample, across CWEs
        import random

        vulnerable = random.Random(args.seed).sample(vulnerable, args.limit)
    start = time.perf_counter()
    result = localize(ckpt_dir, vulnerable, methods=args.methods.split(","), n_steps=args.ig_steps,
                      seed=args.seed)
    elapsed = time.perf_counter() - start
    table = localization_table(result)
    print(table)
    payload = {
        "command": "python benchmarks/juliet_localization.py " + " ".join(argv or sys.argv[1:]),
        "model": args.model, "max_length": args.max_length, "epochs": args.epochs, "lr": args.lr,
        "seed": args.seed, "lora_layers": args.lora_layers, "max_steps": args.max_steps,
        "safe_ratio": args.safe_ratio, "ig_steps": args.ig_steps, "n_train_functions": len(train),
        "n_test_functions": len(test), "n_evaluated": result["n"], "eval_seconds": round(elapsed, 1),
        "checkpoint_metrics": json.loads((ckpt_dir / "llmsec.json").read_text())["metrics"],
        "classifier_on_test": result.get("classifier"),
        "platform": platform.platform(), "torch": torch.__version__, "threads": torch.get_num_threads(),
        "results": result["methods"],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
