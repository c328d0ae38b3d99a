"""Benchmark domain vocabulary: fertility, tokenization speed, and the effect on domain pre-training.

Each real corpus in ``../shared/data`` (NVD descriptions, ATT&CK enterprise
descriptions, Juliet C functions; CWE descriptions for building only) is split
80/20 (Juliet by test case, so a case's functions stay on one side). The
vocabulary is built on the 80% and measured on the 20% it never saw:

1. fertility: tokens per whitespace word and per 1,000 characters, base vs
   extended by N tokens, for SmolLM2 (byte-level BPE) and MiniLM (WordPiece);
2. tokenization throughput (characters/s) of the extended fast tokenizer vs the base;
3. domain pre-training of SmolLM2 with LoRA (+ trainable new rows) through
   ``DomainPretrainer`` on the same number of training *characters*, base vocabulary
   vs extended: bits per byte on held-out text before and after, and training characters/s.

Prints tables and writes ``benchmarks/results/vocab.json``.

    .venv/bin/python benchmarks/bench_vocab.py            # about 10 minutes on 2 busy CPU cores
    .venv/bin/python benchmarks/bench_vocab.py --quick    # fertility and speed only
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LLMSEC_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = REPO / "benchmarks" / "results" / "vocab.json"

SOURCES = {  # name: (path under SHARED, format, held out for measuring)
    "nvd": ("cve_text/nvdcve-1.1-recent_2023-03.json", "nvd", True),
    "attack": ("attack/enterprise-attack_techniques-tactics-groups_mitre-cti.json", "attack-stix", True),
    "juliet": ("vuln_code/juliet_c_v1.3", "juliet", True),
    "cwe": ("cve_text/cwe_v4.14_view1000_research.csv", "cwe-csv", False),
}
MODELS = {"smollm2": "smollm2-135m-instruct", "minilm": "minilm-l6"}


def load_splits(seed: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Build and held-out texts per source."""
    from llmsec.data import corpus_texts, load_records, split_records

    build, held = {}, {}
    for name, (rel, fmt, measured) in SOURCES.items():
        records, _ = load_records(SHARED / rel, fmt)
        if not measured:
            build[name] = corpus_texts(records)
            continue
        by = "group" if name == "juliet" else "random"
        train, test = split_records(records, by=by, test_size=0.2, seed=seed, stratify=False)
        build[name], held[name] = corpus_texts(train), corpus_texts(test)
    return build, held


def fertility(tokenizer: Any, texts: list[str]) -> dict[str, float]:
    """Tokens per whitespace word and per 1,000 characters (no special tokens)."""
    from llmsec.models._vocab import count_tokens

    tokens = count_tokens(tokenizer, texts)
    words = sum(len(t.split()) for t in texts)
    chars = sum(len(t) for t in texts)
    return {"tokens": tokens, "tokens_per_word": tokens / words, "tokens_per_1k_chars": 1000 * tokens / chars}


def throughput(tokenizer: Any, texts: list[str], repeat: int = 5) -> float:
    """Characters per second of ``tokenizer(texts)`` (best of ``repeat``; fast tokenizer, batch call)."""
    chars = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        tokenizer(texts, add_special_tokens=False)
        best = min(best, time.perf_counter() - start)
    return chars / best


def run_fertility(build: dict[str, list[str]], held: dict[str, list[str]], sizes: list[int]) -> dict[str, Any]:
    from llmsec.models import VocabularyError, add_tokens_to, load_tokenizer
    from llmsec.models._vocab_select import select_tokens

    corpus = [t for texts in build.values() for t in texts]
    every_held = [t for texts in held.values() for t in texts]
    out: dict[str, Any] = {}
    for key, name in MODELS.items():
        base = load_tokenizer(name)
        row: dict[str, Any] = {"base": {d: fertility(base, t) for d, t in held.items()}, "extended": {}}
        row["base"]["all"] = fertility(base, every_held)
        row["base_chars_per_s"] = throughput(base, every_held)
        start = time.perf_counter()
        selection = select_tokens(base, corpus, max(sizes))  # the first n of the greedy order = the best n
        row["selection_s_for_max_n"] = time.perf_counter() - start
        row["supported"] = len(selection.tokens)
        for n in sizes:
            if n > len(selection.tokens):
                row["extended"][str(n)] = {"error": str(VocabularyError(
                    f"the build corpus supports only {len(selection.tokens)} tokens"))}
                continue
            tok = load_tokenizer(name)
            add_tokens_to(tok, selection.tokens[:n])
            ext = {d: fertility(tok, t) for d, t in held.items()}
            ext["all"] = fertility(tok, every_held)
            ext["chars_per_s"] = throughput(tok, every_held)
            ext["is_fast"] = bool(tok.is_fast)
            ext["examples"] = selection.tokens[:n][:25]
            row["extended"][str(n)] = ext
        out[key] = row
    return out


def _eval_texts(held: dict[str, list[str]], per_domain: int, chars: int, seed: int) -> list[str]:
    """A few held-out texts per domain, cut at a word boundary to ``chars`` characters."""
    rng = random.Random(seed)
    texts = []
    for name in sorted(held):
        for text in rng.sample(held[name], min(per_domain, len(held[name]))):
            cut = text[:chars]
            texts.append(cut.rsplit(" ", 1)[0] if len(text) > chars and " " in cut else cut)
    return texts


def _train_texts(build: dict[str, list[str]], budget: int, seed: int) -> list[str]:
    """Build texts in a fixed shuffled order, cut so that they hold exactly ``budget`` characters."""
    pool = [t for name in sorted(build) for t in build[name] if name in ("nvd", "attack", "juliet")]
    random.Random(seed).shuffle(pool)
    out, total = [], 0
    for text in pool:
        if total + len(text) >= budget:
            out.append(text[: budget - total])
            break
        out.append(text)
        total += len(text)
    return out


def run_pretraining(build: dict[str, list[str]], held: dict[str, list[str]], args: argparse.Namespace,
                    work: Path) -> dict[str, Any]:
    """Same training characters, base vocabulary vs extended: bits per byte before/after, chars/s."""
    import torch

    from llmsec.config import AdapterConfig, DataConfig, PretrainStage, VocabConfig
    from llmsec.eval import perplexity
    from llmsec.models import add_tokens_to, load_model, load_tokenizer, resize_embeddings
    from llmsec.train import DomainPretrainer

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    name = MODELS["smollm2"]
    train = _train_texts(build, args.train_chars, args.seed)
    (work / "train.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in train))
    vocab_corpus = [t for texts in build.values() for t in texts]
    (work / "vocab.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in vocab_corpus))
    evals = _eval_texts(held, args.eval_per_domain, args.eval_chars, args.seed)
    results: dict[str, Any] = {"train_chars": sum(len(t) for t in train), "eval_texts": len(evals),
                               "eval_bytes": sum(len(t.encode()) for t in evals)}
    trainer = {"num_train_epochs": 1, "per_device_train_batch_size": args.batch, "learning_rate": args.lr,
               "lr_scheduler_type": "constant", "logging_steps": 1}
    adapter = AdapterConfig(method="lora", r=8, alpha=16, dropout=0.0)
    merged_before = set((_home() / "merged").glob("*")) if (_home() / "merged").is_dir() else set()
    for arm in ("base", "extended"):
        vocab = VocabConfig(extend=args.pretrain_n, corpus=str(work / "vocab.jsonl")) if arm == "extended" else None
        stage = PretrainStage(data=DataConfig(train=str(work / "train.jsonl")), max_length=args.block,
                              adapter=adapter, trainer=trainer, vocab=vocab)
        ckpt = DomainPretrainer(stage, output_dir=work / arm, seed=args.seed).run(name)
        manifest = json.loads((ckpt.path / "llmsec.json").read_text())
        tokens = manifest.get("vocab", {}).get("tokens", [])
        # Before training: the base model, or the base grown to the extended vocabulary (sub-token means).
        tok0 = load_tokenizer(name)
        model0 = load_model(name)
        if tokens:
            add_tokens_to(tok0, tokens)
            resize_embeddings(model0, tok0, tokens)
        before = perplexity(model0, tok0, evals, max_length=args.block)
        del model0
        model = load_model(str(ckpt.path))
        after = perplexity(model, load_tokenizer(str(ckpt.path)), evals, max_length=args.block)
        del model
        metrics = ckpt.metrics
        results[arm] = {
            "added_tokens": len(tokens),
            "train_tokens": manifest["data"].get("train_blocks", 0) * args.block,
            "train_blocks": manifest["data"].get("train_blocks"),
            "train_steps": int(metrics.get("train_steps", 0)),
            "train_runtime_s": metrics.get("train_runtime_s"),
            "train_chars_per_s": results["train_chars"] / max(metrics.get("train_runtime_s", 0.0), 1e-9),
            "train_loss": metrics.get("train_loss"),
            "bpb_before": before["bits_per_byte"],
            "bpb_after": after["bits_per_byte"],
            "eval_tokens": before["tokens"],
        }
        print(f"  {arm}: {results[arm]}", flush=True)
    for path in set((_home() / "merged").glob("*")) - merged_before:  # the merged copies this run made
        shutil.rmtree(path, ignore_errors=True)
    return results


def _home() -> Path:
    from llmsec._paths import llmsec_home

    return llmsec_home()


def print_tables(results: dict[str, Any]) -> None:
    print("\nFertility on held-out text (tokens per whitespace word | tokens per 1,000 characters)")
    for key, row in results["fertility"].items():
        domains = [d for d in row["base"] if d != "all"] + ["all"]
        print(f"\n{key} ({MODELS[key]}), supported by the build corpus: {row['supported']} tokens, "
              f"selection of {max(map(int, row['extended']))}: {row['selection_s_for_max_n']:.1f}s")
        print(f"{'vocab':>12} | " + " | ".join(f"{d:>17}" for d in domains) + " | chars/s (M)")
        line = " | ".join(f"{row['base'][d]['tokens_per_word']:6.3f} {row['base'][d]['tokens_per_1k_chars']:9.1f}"
                          for d in domains)
        print(f"{'base':>12} | {line} | {row['base_chars_per_s'] / 1e6:6.2f}")
        for n, ext in row["extended"].items():
            if "error" in ext:
                print(f"{'+' + n:>12} | {ext['error']}")
                continue
            line = " | ".join(f"{ext[d]['tokens_per_word']:6.3f} {ext[d]['tokens_per_1k_chars']:9.1f}"
                              for d in domains)
            print(f"{'+' + n:>12} | {line} | {ext['chars_per_s'] / 1e6:6.2f}")
    pt = results.get("pretraining")
    if pt:
        print(f"\nDomain pre-training, SmolLM2 + LoRA r=8 (+ trainable new rows), {pt['train_chars']:,} training "
              f"characters each; bits per byte on {pt['eval_texts']} held-out texts ({pt['eval_bytes']:,} bytes)")
        print(f"{'vocab':>10} | {'added':>5} | {'blocks':>6} | {'steps':>5} | {'bpb before':>10} | "
              f"{'bpb after':>9} | {'train chars/s':>13}")
        for arm in ("base", "extended"):
            r = pt[arm]
            print(f"{arm:>10} | {r['added_tokens']:>5} | {r['train_blocks']:>6} | {r['train_steps']:>5} | "
                  f"{r['bpb_before']:>10.4f} | {r['bpb_after']:>9.4f} | {r['train_chars_per_s']:>13.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250,1000,2500", help="numbers of tokens to add (fertility)")
    parser.add_argument("--pretrain-n", type=int, default=1000, help="tokens added for the pre-training arm")
    parser.add_argument("--train-chars", type=int, default=12_000, help="training characters per arm")
    parser.add_argument("--block", type=int, default=128)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--eval-per-domain", type=int, default=8)
    parser.add_argument("--eval-chars", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="fertility and tokenization speed only")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the throughput texts exceed model_max_length: not a model input

    start = time.perf_counter()
    build, held = load_splits(args.seed)
    results: dict[str, Any] = {
        "command": " ".join(["python", *sys.argv]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "loadavg_start": os.getloadavg()[0]},
        "split": {d: {"build": len(build[d]), "held_out": len(held.get(d, []))} for d in build},
        "fertility": run_fertility(build, held, [int(x) for x in args.sizes.split(",")]),
    }
    if not args.quick:
        with tempfile.TemporaryDirectory(prefix="bench-vocab-") as tmp:
            results["pretraining"] = run_pretraining(build, held, args, Path(tmp))
    results["machine"]["loadavg_end"] = os.getloadavg()[0]
    results["total_s"] = time.perf_counter() - start
    print_tables(results)
    print(f"\ntotal {results['total_s']:.0f}s; wrote {args.json}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
