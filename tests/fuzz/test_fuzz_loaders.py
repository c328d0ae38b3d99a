"""Fuzzing every registered source format (issue 14 item 1), CI-sized.

Each input is a seed of the format (a slice of its real sample, or a tiny synthetic
file) after one or more mutations, loaded in a sandboxed worker (time and memory
budget). Its outcome must be exactly one of: loaded (``loaded + rejected == read``,
every rejection with a reason) or the documented :class:`llmsec.data.FormatError`;
never another exception, never a hang, never a blown memory budget.

The formats come from the registry itself, so a new format is fuzzed without editing
this file. ``LLMSEC_FUZZ_N`` raises the number of random inputs per format (default 12;
``make fuzz`` runs ``tools/fuzz_loaders.py`` for the long run).
"""

from __future__ import annotations

import os
import random

import fuzzkit as fk
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmsec.data.formats import FORMATS

N = int(os.environ.get("LLMSEC_FUZZ_N", "12"))


def _skip_without_sample(fmt: str) -> None:
    if fk.shared_data_dir() is None and fmt not in fk.all_seeds():
        pytest.skip(f"{fmt}: its seed is a slice of ../shared/data, which is not here")


def _check(sandbox: fk.Sandbox, plans: list[fk.Plan]) -> dict[str, int]:
    counts = {k: 0 for k in (fk.OK, fk.ERROR, *fk.FAILURES)}
    failures = []
    for plan in plans:
        outcome = sandbox.run_plan(plan)
        counts[outcome.kind] += 1
        if outcome.kind in fk.FAILURES:
            failures.append(f"{outcome.kind}: {plan}: {outcome.detail}")
    assert not failures, f"{len(failures)} of {len(plans)} inputs failed:\n" + "\n".join(failures[:10])
    return counts


@pytest.mark.parametrize("fmt", FORMATS.names())
def test_seeds_load_cleanly(sandbox: fk.Sandbox, fmt: str) -> None:
    """The unmutated seeds are good inputs: they load, with at least one record."""
    _skip_without_sample(fmt)
    if fmt not in fk.all_seeds():
        pytest.skip(f"{fmt} has no seed of its own (fuzzed from the other formats' seeds)")
    for seed in fk.seeds_for(fmt):
        outcome = sandbox.run(fmt, seed, seed.files[seed.mutate])
        assert outcome.kind == fk.OK and outcome.loaded > 0, (seed.name, outcome)


@pytest.mark.parametrize("fmt", FORMATS.names())
def test_every_mutation_once(sandbox: fk.Sandbox, fmt: str) -> None:
    """Each mutation of the main mix on each seed, with fixed random seeds."""
    _skip_without_sample(fmt)
    counts = _check(sandbox, list(fk.catalogue(fmt, per=1)))
    assert counts[fk.OK] + counts[fk.ERROR] > 0


@pytest.mark.parametrize("fmt", FORMATS.names())
def test_random_mutation_stacks(sandbox: fk.Sandbox, fmt: str) -> None:
    """Hypothesis picks a seed and a stack of one to three mutations (derandomized: CI is reproducible)."""
    _skip_without_sample(fmt)
    n_seeds = len(fk.seeds_for(fmt))

    @settings(max_examples=N, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.integers(0, n_seeds - 1),
           steps=st.lists(st.tuples(st.sampled_from(sorted(fk.MUTATIONS)), st.integers(0, 2**32 - 1)),
                          min_size=1, max_size=3))
    def run(seed: int, steps: list[tuple[str, int]]) -> None:
        _check(sandbox, [fk.Plan(fmt, seed, tuple(steps))])

    run()


@pytest.mark.parametrize("fmt", FORMATS.names())
def test_deep_nesting_and_hostile_archives(sandbox: fk.Sandbox, fmt: str) -> None:
    """Deep JSON/MIME nesting and hostile zip members (kept out of the random mix: they are
    slow to build). Tracebacks here before the JSON/MIME depth limits and the safe archive
    reader of the loader-bounds work (issue 14 item 2); this test was xfail until then."""
    _skip_without_sample(fmt)
    rng = random.Random(fmt)
    plans = [fk.Plan(fmt, k, ((name, rng.getrandbits(32)),))
             for k in range(len(fk.seeds_for(fmt))) for name in fk.DEFERRED]
    _check(sandbox, plans)


def test_the_harness_catches_each_kind_of_failure(sandbox: fk.Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """A traceback, a hang, a blown memory budget and unreconciled counts are all reported."""
    seed = fk.Seed("t", {"x.txt": b"x"}, "x.txt", "x.txt")
    assert sandbox.run("text", seed, b"hello").kind == fk.OK
    assert sandbox.run("no-such-format", seed, b"hello").kind == fk.TRACEBACK  # unknown name: KeyError/ValueError
    slow = fk.Sandbox(timeout=1.0, memory_mb=256, wall_timeout=3.0)
    try:
        assert slow.run("__sleep__", seed, b"").kind == fk.HANG  # no CPU: the wall budget
        assert slow.run("__spin__", seed, b"").kind == fk.HANG  # the CPU budget
        assert slow.run("__alloc__", seed, b"").kind == fk.MEMORY
        assert slow.run("__miscount__", seed, b"").kind == fk.TRACEBACK
        assert slow.run("text", seed, b"still works after a kill").kind == fk.OK
    finally:
        slow.close()


def test_a_format_without_seeds_is_fuzzed_from_the_others() -> None:
    """A format registered later, with no seed here, still gets every other format's
    seeds and generic junk (so it is covered without editing a list)."""
    seeds = fk.seeds_for("a-format-added-later")
    known = {s.name for group in fk.all_seeds().values() for s in group if s.target == s.mutate}
    assert known <= {s.name for s in seeds}
    assert {s.files[s.mutate] for s in seeds} >= set(fk.GENERIC)
    plan = fk.random_plan("a-format-added-later", random.Random(0))
    assert fk.build(plan)[0] in seeds
