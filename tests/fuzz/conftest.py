"""Fixtures of the loader fuzzer: one sandboxed worker for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import fuzzkit as fk
import pytest


@pytest.fixture(scope="session")
def sandbox() -> Iterator[fk.Sandbox]:
    """A worker that runs each load under a 30 s time budget and a 2 GiB memory budget.

    Loads of these small inputs take milliseconds; the budget is wide so that a busy CI
    machine does not turn a slow load into a false hang (the hangs found took minutes).
    """
    with fk.Sandbox(timeout=30.0, memory_mb=2048) as box:
        yield box
