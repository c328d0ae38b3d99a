"""Scrubbing recall and precision on the project's planted corpus, per kind, with a detect-secrets ablation.

Run: ``.venv/bin/python benchmarks/bench_scrub.py [--docs 1160] [--seed 0]``

Builds the planted corpus (``llmsec.data.clean._scrub_corpus``: secrets of every kind
in config files, code, logs, mail, chats, CSV exports, ... and as many
look-alikes: digests, commit ids, UUIDs, versions, ``@2x`` names, IMEIs, dates),
scrubs it with IP scrubbing on, and prints:

1. a table per kind: planted, found, recall, findings, true findings, precision;
2. the look-alikes each kind of which was touched;
3. the held-out document kinds alone (written after the rules were tuned);
4. the ablation: the same corpus with each part of detect-secrets removed from
   the default detectors, and with the parts left out (keyword plugin, hex
   entropy plugin) added, so each choice is backed by a number;
5. throughput (MB/s of CPU time, one process) on the corpus text.

Writes ``benchmarks/results/scrub.json``. The goal (issue 14): recall >= 0.99,
precision >= 0.98 overall.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from llmsec.data.clean import _scrub, _scrub_vendors  # noqa: E402
from llmsec.data.clean._scrub_corpus import build_corpus, measure  # noqa: E402


def _hex_entropy(text: str, lowered: str):  # the hex-entropy plugin, for the ablation only
    from detect_secrets.plugins.high_entropy_strings import HexHighEntropyString

    plugin = HexHighEntropyString()
    for m in plugin.regex.finditer(text):
        value = m.group(2)
        if len(value) >= 20 and plugin.calculate_shannon_entropy(value) > plugin.entropy_limit:
            yield m.start(2), m.end(2), "API_TOKEN"


def _variants() -> dict[str, tuple]:
    default = _scrub.DETECTORS
    without = lambda *drop: tuple(d for d in default if d not in drop)  # noqa: E731
    return {
        "default (project rules + detect-secrets vendor + base64 entropy)": default,
        "project rules only (no detect-secrets)": without(_scrub_vendors.vendor_tokens,
                                                          _scrub_vendors.high_entropy_strings),
        "without detect-secrets vendor patterns": without(_scrub_vendors.vendor_tokens),
        "without detect-secrets base64 entropy": without(_scrub_vendors.high_entropy_strings),
        "plus detect-secrets keyword plugin": (*default, _scrub_vendors.keyword_secrets),
        "plus detect-secrets hex entropy plugin": (*default, _hex_entropy),
    }


def _table(result: dict) -> list[str]:
    rows = ["| kind | planted | found | recall | findings | true | precision |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    fmt = lambda x: "-" if x is None else f"{x:.4f}"  # noqa: E731
    for kind, v in result["per_kind"].items():
        rows.append(f"| {kind} | {v['planted']} | {v['found']} | {fmt(v['recall'])} | {v['findings']} | {v['true']} "
                    f"| {fmt(v['precision'])} |")
    found = sum(v["found"] for v in result["per_kind"].values())
    true = sum(v["true"] for v in result["per_kind"].values())
    rows.append(f"| **all** | {result['planted']} | {found} | **{result['recall']:.4f}** | {result['findings']} "
                f"| {true} | **{result['precision']:.4f}** |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1160)  # 40 of each of the 29 document kinds
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "scrub.json")
    args = parser.parse_args()

    docs = build_corpus(args.docs, seed=args.seed)
    _scrub.scrub("warm up: imports 12 34 AC SG. : .", ips=True)
    megabytes = sum(len(d.text) for d in docs) / 1e6
    start = time.process_time()  # CPU time: the machine may be shared, and wall time would measure the others
    for doc in docs:
        _scrub.scrub(doc.text)
    seconds = time.process_time() - start
    result = measure(docs, ips=True)
    held = measure([d for d in docs if "held out" in d.context], ips=True)
    no_ips = measure(docs, ips=False)

    print(f"planted corpus: {result['documents']} documents ({megabytes:.2f} MB), {result['planted']} secrets, "
          f"{result['lookalikes']} look-alikes, seed {args.seed}, ips=True\n")
    print("\n".join(_table(result)))
    print(f"\nlook-alikes untouched: {result['lookalike_survival']:.4f}; touched:")
    for kind, v in result["lookalikes_by_kind"].items():
        if v["hit"]:
            print(f"  {kind}: {v['hit']} of {v['n']}")
    for kind, examples in result["missed_examples"].items():
        print(f"  missed {kind}: {examples[:3]}")
    for kind, examples in result["false_examples"].items():
        print(f"  false {kind}: {examples[:2]}")
    print(f"\nheld-out document kinds ({held['documents']} documents, {held['planted']} secrets): "
          f"recall {held['recall']:.4f}, precision {held['precision']:.4f}")
    print(f"without IP scrubbing (the default): recall {no_ips['recall']:.4f}, precision {no_ips['precision']:.4f}")

    print("\nablation (ips=True):\n| detectors | recall | precision | findings |\n| --- | ---: | ---: | ---: |")
    ablation = {}
    for name, detectors in _variants().items():
        r = measure(docs, ips=True, detectors=detectors)
        ablation[name] = {k: r[k] for k in ("recall", "precision", "findings")}
        print(f"| {name} | {r['recall']:.4f} | {r['precision']:.4f} | {r['findings']} |")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"\nthroughput: {megabytes / seconds:.2f} MB/s of CPU time ({seconds:.2f} CPU s for {megabytes:.2f} MB, one "
          f"process, ips off; {os.cpu_count()} cores, load average {load})")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "command": f"python benchmarks/bench_scrub.py --docs {args.docs} --seed {args.seed}",
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cores": os.cpu_count(),
                    "load_average": load},
        "goal": {"recall": 0.99, "precision": 0.98},
        "megabytes": round(megabytes, 3),
        "cpu_seconds": round(seconds, 3),
        "mb_per_cpu_s": round(megabytes / seconds, 2),
        "result": result,
        "held_out": {k: held[k] for k in ("documents", "planted", "recall", "precision", "per_kind")},
        "without_ips": {k: no_ips[k] for k in ("planted", "recall", "precision")},
        "ablation": ablation,
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")


if __name__ == "__main__":
    main()
