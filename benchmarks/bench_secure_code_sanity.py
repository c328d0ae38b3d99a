"""The secure-code judge's sanity check: the rate it gives the benchmark's own insecure code.

Runs the judge over every case's insecure original (what a model that copies the
original would be scored) and, for Juliet, over the good variant too (the judge's
false-positive rate on code meant to be safe). Prints a table per language and
writes ``benchmarks/results/secure_code_sanity.json``.

    python benchmarks/bench_secure_code_sanity.py [--data PATH] [--max-samples N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from llmsec.eval.secure_code import analyser_versions, judge, load_cases, summarize

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parent.parent / "shared" / "data" / "vuln_code" / "purplellama_cyberseceval_autocomplete.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT))
    ap.add_argument("--max-samples", type=int, default=None)
    ap.add_argument("--safe", action="store_true", help="also judge the reference (Juliet: the good variant)")
    ap.add_argument("--out", default=str(HERE / "results" / "secure_code_sanity.json"))
    args = ap.parse_args()
    cases = load_cases(args.data, max_samples=args.max_samples)
    started = time.perf_counter()
    runs = {"insecure original": summarize(cases, judge(cases, [c.insecure for c in cases]))}
    if args.safe:
        runs["reference (safe variant)"] = summarize(cases, judge(cases, [c.reference for c in cases]))
    seconds = time.perf_counter() - started
    for name, s in runs.items():
        print(f"\n{name}: {len(cases)} cases from {args.data}")
        print("| language | n | insecure rate | same-CWE rate | parses |\n|---|---:|---:|---:|---:|")
        for lang, m in [*s["by_language"].items(), ("all", s["metrics"])]:
            print(f"| {lang} | {int(m['n'])} | {m['insecure_rate']:.3f} | {m['cwe_match_rate']:.3f} | "
                  f"{m['parse_rate']:.3f} |")
    print(f"\n{seconds:.0f} s")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"data": str(args.data), "n": len(cases), "seconds": round(seconds, 1),
                               "analysers": analyser_versions(), **runs}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
