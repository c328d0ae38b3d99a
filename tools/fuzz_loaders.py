"""The long fuzzing run of the source-format loaders (``make fuzz``).

For every registered format: N random inputs (mutations of the format's seeds, see
``tests/fuzz/fuzzkit/``), each loaded in a sandboxed worker under a time and a memory
budget. Prints a table (format, inputs, loaded, rejected rows, documented errors,
tracebacks, hangs, memory) and writes it as JSON, with every failing plan, to
``benchmarks/results/fuzz.json``. Exit status 1 when any input ended in a traceback,
a hang or a memory failure.

    python tools/fuzz_loaders.py --n 10000
    python tools/fuzz_loaders.py --n 200 --formats nvd,nsl-kdd --seed 1
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "fuzz"))

import fuzzkit as fk  # noqa: E402

from llmsec.data.formats import FORMATS  # noqa: E402

COLUMNS = ("inputs", "loaded", "rejected_rows", "errors", "tracebacks", "hangs", "memory")


def fuzz_format(fmt: str, n: int, seed: int, sandbox: fk.Sandbox) -> tuple[dict[str, int], list[dict[str, str]]]:
    """Run ``n`` random plans on ``fmt``; the counts and the failures."""
    rng = random.Random(f"{seed}:{fmt}")
    counts: Counter[str] = Counter()
    failures = []
    for _ in range(n):
        plan = fk.random_plan(fmt, rng)
        outcome = sandbox.run_plan(plan)
        counts["inputs"] += 1
        counts[{fk.OK: "loaded", fk.ERROR: "errors", fk.TRACEBACK: "tracebacks",
                fk.HANG: "hangs", fk.MEMORY: "memory"}[outcome.kind]] += 1
        counts["rejected_rows"] += outcome.rejected if outcome.kind == fk.OK else 0
        if outcome.kind in fk.FAILURES:
            failures.append({"plan": str(plan), "kind": outcome.kind, "detail": outcome.detail})
    return {c: counts[c] for c in COLUMNS}, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs per format")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--formats", default="", help="comma-separated formats (default: every registered one)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="CPU seconds per load before it is a hang (a load using no CPU: 30x in wall time)")
    parser.add_argument("--memory-mb", type=int, default=1024, help="address space a load may add")
    parser.add_argument("--huge-line-kb", type=int, default=1024, help="size of the 'huge line' mutation")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "fuzz.json")
    args = parser.parse_args(argv)
    fk.mutations.HUGE_LINE = args.huge_line_kb << 10
    formats = [f for f in args.formats.split(",") if f] or FORMATS.names()
    rows: dict[str, dict[str, int]] = {}
    failures: dict[str, list[dict[str, str]]] = {}
    start = time.time()

    def write() -> dict[str, int]:  # after every format, so that a stopped run leaves its numbers
        total = {c: sum(r[c] for r in rows.values()) for c in COLUMNS}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": "python tools/fuzz_loaders.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "n_per_format": args.n, "seed": args.seed, "timeout_s": args.timeout, "memory_mb": args.memory_mb,
            "huge_line_kb": args.huge_line_kb, "seconds": round(time.time() - start),
            "python": platform.python_version(), "complete": len(rows) == len(formats),
            "formats": rows, "total": total, "failures": {k: v[:50] for k, v in failures.items() if v},
        }, indent=1) + "\n")
        return total

    print(f"{'format':26}" + "".join(f"{c:>14}" for c in COLUMNS), flush=True)
    with fk.Sandbox(timeout=args.timeout, memory_mb=args.memory_mb) as sandbox:
        for fmt in formats:
            t0 = time.time()
            rows[fmt], failures[fmt] = fuzz_format(fmt, args.n, args.seed, sandbox)
            print(f"{fmt:26}" + "".join(f"{rows[fmt][c]:>14}" for c in COLUMNS)
                  + f"   ({time.time() - t0:.0f} s)", flush=True)
            write()
    total = write()
    print(f"{'total':26}" + "".join(f"{total[c]:>14}" for c in COLUMNS), flush=True)
    for fails in failures.values():
        for f in fails[:5]:
            print(f"  {f['kind']}: {f['plan']}: {f['detail']}")
    return 1 if any(total[c] for c in ("tracebacks", "hangs", "memory")) else 0


if __name__ == "__main__":
    raise SystemExit(main())
