"""Fixtures of the loader fuzzer: one sandboxed worker for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import fuzzkit as fk
import pytest


@pytest.fixture(scope="session")
def sandbox() -> Iterator[fk.Sandbox]:
    """A worker that runs each load under a budget of 10 CPU seconds (300 s wall) and 2 GiB.

    Loads of these small inputs take milliseconds of CPU; the hangs found took minutes.
    """
    with fk.Sandbox(timeout=10.0, memory_mb=2048, wall_timeout=300.0) as box:
        yield box
