"""Records made fit for training and measuring: scrub secrets, remove duplicates, split without leakage,
check a test set against the training data.

``_scrub*`` replace secrets and personal data (``_scrub_corpus``, ``_scrub_docs`` and ``_scrub_plant``
build the planted corpus that measures it); ``_dedup`` (with ``_code_tokens``) finds exact and near
duplicates; ``_split`` splits by group, time or at random; ``_contamination`` checks a test set
against training data.
"""

from ._contamination import ContaminationReport, SourceCheck, check_contamination, verify_source
from ._dedup import (
    DedupResult,
    Duplicate,
    LabelConflict,
    cross_duplicates,
    dedup,
    dedup_across,
    exact_key,
    normalize_text,
)
from ._scrub import ScrubReport, scrub, scrub_records
from ._split import record_group, record_time, split_records

__all__ = [
    "ContaminationReport",
    "DedupResult",
    "Duplicate",
    "LabelConflict",
    "ScrubReport",
    "SourceCheck",
    "check_contamination",
    "cross_duplicates",
    "dedup",
    "dedup_across",
    "exact_key",
    "normalize_text",
    "record_group",
    "record_time",
    "scrub",
    "scrub_records",
    "split_records",
    "verify_source",
]
