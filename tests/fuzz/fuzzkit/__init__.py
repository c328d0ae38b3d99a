"""The loader fuzzer: seed inputs per format, mutations, and a sandbox that runs each load.

Shared by the CI-sized tests in ``tests/fuzz`` and the long run (``tools/fuzz_loaders.py``).

- :func:`seeds_for` (``_seeds.py``) builds a format's seed inputs: a small slice of its
  real sample in ``../shared/data`` (the first rows / objects, read at run time, never
  copied into the repository), or a tiny synthetic file shaped like the ones
  ``tests/data/formats`` uses. A format registered later without an entry there is fuzzed
  from every other format's seeds (and generic junk), so it is covered without editing a list.
- :data:`MUTATIONS` (``_mutations.py``) are deterministic ``(bytes, random.Random) -> bytes``
  functions; a :class:`Plan` is a seed and a short stack of them, so any failing input can
  be rebuilt (and reduced) from its plan. ``mutations.HUGE_LINE`` sets the "huge line" size.
- :class:`Sandbox` (``_sandbox.py``) runs every load in a separate worker process under a
  time budget (the parent kills a worker that does not answer) and a memory budget
  (``RLIMIT_AS``), and classifies the outcome:

  ``loaded``      the loader finished, ``loaded + rejected == read``, every rejection has a reason;
  ``error``       the documented error type for a bad source, :class:`llmsec.data.FormatError`;
  ``traceback``   any other exception, or counts that do not reconcile;
  ``hang``        no answer within the time budget;
  ``memory``      ``MemoryError`` or the worker died (the memory budget was hit).
"""

from . import _mutations as mutations
from ._mutations import ALL_MUTATIONS, DEFERRED, MUTATIONS, Plan, build, catalogue, random_plan
from ._sandbox import ERROR, FAILURES, HANG, MEMORY, OK, PROBES, TRACEBACK, Outcome, Sandbox, run_load, write_input
from ._seeds import CWE_XML, GENERIC, Seed, all_seeds, foreign_seeds, seeds_for, shared_data_dir

__all__ = [
    "ALL_MUTATIONS", "CWE_XML", "DEFERRED", "ERROR", "FAILURES", "GENERIC", "HANG", "MEMORY", "MUTATIONS", "OK",
    "PROBES", "TRACEBACK", "Outcome", "Plan", "Sandbox", "Seed", "all_seeds", "build", "catalogue",
    "foreign_seeds", "mutations", "random_plan", "run_load", "seeds_for", "shared_data_dir", "write_input",
]
