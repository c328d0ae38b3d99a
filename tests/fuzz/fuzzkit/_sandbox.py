"""Running a load in a worker process under a time and a memory budget, and classifying what it did."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._mutations import Plan, build
from ._seeds import Seed

OK, ERROR, TRACEBACK, HANG, MEMORY = "loaded", "error", "traceback", "hang", "memory"
FAILURES = (TRACEBACK, HANG, MEMORY)


@dataclass(frozen=True)
class Outcome:
    """What one load did."""

    kind: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    detail: str = ""


def write_input(root: Path, seed: Seed, data: bytes) -> Path:
    """Write a seed's files under ``root`` with ``data`` as its mutated file; the loader's path."""
    for rel, content in seed.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if rel == seed.mutate else content)
    return root / seed.target


def _probe_sleep(path: Path, report: Any) -> Iterator[Any]:
    import time

    time.sleep(3600)
    yield from ()


def _probe_spin(path: Path, report: Any) -> Iterator[Any]:
    while True:
        pass
    yield from ()


def _probe_alloc(path: Path, report: Any) -> Iterator[Any]:
    blob = bytearray(8 << 30)
    yield from blob[:0]


def _probe_miscount(path: Path, report: Any) -> Iterator[Any]:
    from llmsec.data import Document

    yield Document("read but never counted", str(path))


#: Fake loaders that fail on purpose, to test that the sandbox reports each kind of failure.
PROBES = {"__sleep__": _probe_sleep, "__spin__": _probe_spin, "__alloc__": _probe_alloc,
          "__miscount__": _probe_miscount}


def run_load(fmt: str, path: Path, options: dict[str, Any]) -> Outcome:
    """Load ``path`` as ``fmt`` through the registry and classify what happened (in-process)."""
    from llmsec.data import FormatError, LoadReport
    from llmsec.data.formats import FORMATS, iter_records

    report = LoadReport(str(path))
    n = 0
    try:
        if fmt in PROBES:
            record_type: Any = object
            stream = PROBES[fmt](path, report)
        else:
            record_type = FORMATS.get(fmt).record_type
            stream = iter_records(path, fmt, report, **options)
        for record in stream:
            if not isinstance(record, record_type):
                return Outcome(TRACEBACK, detail=f"yielded a {type(record).__name__}, not {record_type}")
            n += 1
    except FormatError as exc:
        return Outcome(ERROR, report.read, report.loaded, report.rejected, f"FormatError: {str(exc)[:200]}")
    except MemoryError:
        return Outcome(MEMORY, detail="MemoryError")
    except BaseException as exc:  # the fuzzer's job is to catch anything
        if isinstance(exc, KeyboardInterrupt):
            raise
        tb = traceback.extract_tb(exc.__traceback__)
        where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb) if "llmsec" in f.filename), "?")
        return Outcome(TRACEBACK, report.read, report.loaded, report.rejected,
                       f"{type(exc).__name__} at {where}: {str(exc)[:200]}")
    bad = [r for r in report.rejections if not isinstance(r.reason, str) or not r.reason.strip()
           or not isinstance(r.line, int)]
    if report.loaded + report.rejected != report.read or n != report.loaded or bad:
        return Outcome(TRACEBACK, report.read, report.loaded, report.rejected,
                       f"counts do not reconcile: yielded {n}, read {report.read}, loaded {report.loaded}, "
                       f"rejected {report.rejected}, rejections without a reason {len(bad)}")
    return Outcome(OK, report.read, report.loaded, report.rejected)


def _worker(conn: Any, mem_bytes: int) -> None:  # pragma: no cover - runs in the child
    import logging
    import resource

    import llmsec.data.formats  # noqa: F401  (imported before the budget and the first timed load)

    logging.getLogger("llmsec").setLevel(logging.ERROR)  # loaders warn about odd inputs; that is expected here
    if mem_bytes:
        with open("/proc/self/status") as fh:
            vm = next((int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:")), 0)
        limit = vm + mem_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send("ready")
    while True:
        job = conn.recv()
        if job is None:
            return
        fmt, seed, data = job
        root = Path(tempfile.mkdtemp(prefix="llmsec-fuzz-"))
        try:
            outcome = run_load(fmt, write_input(root, seed, data), seed.options)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        conn.send(outcome)


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used, from ``/proc``; None where there is none."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sandbox:
    """A worker process that runs loads under a time and a memory budget.

    Args:
        timeout: CPU seconds one load may use before it counts as a hang (the worker is
            killed and replaced). CPU time, not wall time, so that a busy machine does not
            turn a slow load into a false hang (wall time where ``/proc`` is missing).
        memory_mb: address space a load may add to the worker's (``RLIMIT_AS``); 0 for none.
        wall_timeout: wall seconds after which a load that uses no CPU (blocked, sleeping)
            is a hang too; default ``30 * timeout``.
    """

    def __init__(self, timeout: float = 10.0, memory_mb: int = 1024, wall_timeout: float | None = None) -> None:
        self.timeout, self.memory = timeout, memory_mb << 20
        self.wall_timeout = wall_timeout if wall_timeout is not None else 30 * timeout
        self._ctx = mp.get_context("spawn")
        self._proc: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker, args=(child, self.memory), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(120) or parent.recv() != "ready":  # startup is not part of a load's time budget
            raise RuntimeError("the fuzz worker did not start")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join()
            self._conn.close()
        self._proc = self._conn = None

    def run(self, fmt: str, seed: Seed, data: bytes) -> Outcome:
        """Load ``data`` (as ``seed``'s mutated file) with format ``fmt``."""
        if self._proc is None or not self._proc.is_alive():
            self._start()
        pid, start = self._proc.pid, time.monotonic()
        cpu0 = _cpu_seconds(pid)
        try:
            self._conn.send((fmt, seed, data))
            while not self._conn.poll(0.25):
                cpu, wall = _cpu_seconds(pid), time.monotonic() - start
                used = wall if cpu is None or cpu0 is None else cpu - cpu0
                if used > self.timeout or wall > self.wall_timeout:
                    self._kill()
                    return Outcome(HANG, detail=f"no answer after {used:.0f} s CPU, {wall:.0f} s wall")
            return self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self._proc.exitcode
            self._kill()
            return Outcome(MEMORY, detail=f"worker died (exit code {code}; memory budget?)")

    def run_plan(self, plan: Plan) -> Outcome:
        seed, data = build(plan)
        return self.run(plan.fmt, seed, data)

    def close(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(5)
            except (OSError, BrokenPipeError):
                pass
        self._kill()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
