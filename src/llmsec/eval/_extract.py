"""Answer extraction (kept here for ``llmsec.eval``; it lives with the tasks, :mod:`llmsec.data.tasks._extract`).

A task scored from generated text names how its answer is pulled out of the
model's free text (:class:`llmsec.data.tasks.Answers`), so the extractors sit
in the data layer, below eval, where the tasks can use them.
"""

from ..data.tasks._extract import (
    extract_choice,
    extract_cvss_vector,
    extract_cwe,
    extract_cwe_ids,
    extract_technique_ids,
)

__all__ = ["extract_choice", "extract_cvss_vector", "extract_cwe", "extract_cwe_ids", "extract_technique_ids"]
