"""Fixtures of the loader fuzzer: one sandboxed worker for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import fuzzkit as fk
import pytest


@pytest.fixture(scope="session")
def sandbox() -> Iterator[fk.Sandbox]:
    """A worker that runs each load under a 10 s time budget and a 2 GiB memory budget."""
    with fk.Sandbox(timeout=10.0, memory_mb=2048) as box:
        yield box
