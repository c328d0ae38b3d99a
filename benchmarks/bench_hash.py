"""What verifying a checkpoint by SHA-256 costs: hash a temporary 1 GiB file, then delete it.

llmsec hashes every file of an intermediate checkpoint when it commits it and
before it resumes from it, and every file of a finished stage before it reuses
it on ``--resume``. This times ``llmsec.checkpoints.sha256_file`` (the
function those checks use) on a file of random bytes in the page cache (the
usual case: the file was just written or read), in wall-clock and CPU time;
wall time on a busy machine is mostly waiting for a core, CPU time is the cost.

    python benchmarks/bench_hash.py [--size-mb 1024] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import ssl
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()

    from llmsec.checkpoints import sha256_file

    size = opts.size_mb << 20
    fd, name = tempfile.mkstemp(prefix="llmsec-bench-hash-", suffix=".bin")
    path = Path(name)
    try:
        block = os.urandom(1 << 20)
        with os.fdopen(fd, "wb") as fh:
            for _ in range(opts.size_mb):
                fh.write(block)
        wall, cpu = [], []
        for _ in range(opts.repeat):
            t, c = time.perf_counter(), time.process_time()
            sha256_file(path)
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    finally:
        path.unlink(missing_ok=True)
    print(f"sha256 of {opts.size_mb} MiB ({platform.machine()}, {os.cpu_count()} cpu, {ssl.OPENSSL_VERSION}):")
    print(f"  wall {', '.join(f'{x:.2f}' for x in wall)} s (best {size / min(wall) / 1e6:.0f} MB/s)")
    print(f"  cpu  {', '.join(f'{x:.2f}' for x in cpu)} s (best {size / min(cpu) / 1e6:.0f} MB/s)")
    print(f"  load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
