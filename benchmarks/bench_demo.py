"""Time `llmsec demo` end to end: wall time and peak memory, as a user runs it.

Usage: python benchmarks/bench_demo.py [--out runs/bench-demo] [--json benchmarks/results/demo.json] [--cold]

`--cold` uses an empty LLMSEC_HOME, so the one-off GGUF -> safetensors
conversion of the built-in model is included in the time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/bench-demo")
    parser.add_argument("--json", default="benchmarks/results/demo.json")
    parser.add_argument("--cold", action="store_true", help="start from an empty model cache")
    args = parser.parse_args()

    env = dict(os.environ)
    cold_home = None
    if args.cold:
        cold_home = tempfile.mkdtemp(prefix="llmsec-home-")
        env["LLMSEC_HOME"] = cold_home
    shutil.rmtree(args.out, ignore_errors=True)
    llmsec = Path(sys.executable).with_name("llmsec")
    cmd = [str(llmsec), "demo", "--out", args.out]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, text=True, capture_output=True)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if cold_home:
        shutil.rmtree(cold_home, ignore_errors=True)
    sys.stdout.write(proc.stdout[-4000:])
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"llmsec demo failed with status {proc.returncode}")

    report = json.loads((Path(args.out) / "report" / "report.json").read_text())
    result = {
        "benchmark": "demo",
        "cold_cache": args.cold,
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(peak_mb),
        "target_s": 300,
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "rows": report["rows"],
    }
    print()
    print(f"{'measure':<24}{'value':>12}")
    print(f"{'wall time (s)':<24}{result['wall_s']:>12.1f}")
    print(f"{'peak RSS (MB)':<24}{result['peak_rss_mb']:>12}")
    print(f"{'target (s)':<24}{300:>12}")
    print(f"{'within target':<24}{wall <= 300!s:>12}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
