"""Source formats → canonical records → task views."""

from ._configs import AuditConfig, PrepareConfig, SourceConfig
from ._contamination import ContaminationReport, SourceCheck, check_contamination, verify_source
from ._dedup import DedupResult, Duplicate, LabelConflict, dedup, dedup_across, exact_key, normalize_text
from ._hub import HUB_PREFIX
from ._load import (
    BUILTIN_PREFIX,
    BUILTIN_SETS,
    Source,
    builtin_path,
    fingerprint,
    guess_format,
    load_records,
    pick_format,
    resolve_source,
    stream_records,
)
from ._prepare import PrepareReport, SourceReport, prepare
from ._records import Conversation, Document, Example, Message, MultipleChoice, Preference, Record, record_to_dict
from ._report import EmptyDatasetError, LoadReport, Rejection
from ._scrub import ScrubReport, scrub, scrub_records
from ._split import split_records
from ._tasks import TASKS, Task, TaskRecordError, get_task, record_text, register_task
from ._views import (
    classification_rows,
    conversation_records,
    corpus_texts,
    prompt_completion_rows,
)
from .audit import (
    AuditFindingsError,
    AuditReport,
    Finding,
    ProbeResult,
    audit,
    audit_split,
)
from .formats import FORMATS, Format, FormatError, register_format

__all__ = [
    "BUILTIN_PREFIX",
    "BUILTIN_SETS",
    "FORMATS",
    "HUB_PREFIX",
    "TASKS",
    "AuditConfig",
    "AuditFindingsError",
    "AuditReport",
    "ContaminationReport",
    "Conversation",
    "DedupResult",
    "Document",
    "Duplicate",
    "EmptyDatasetError",
    "Example",
    "Finding",
    "Format",
    "FormatError",
    "LabelConflict",
    "LoadReport",
    "Message",
    "MultipleChoice",
    "Preference",
    "PrepareConfig",
    "PrepareReport",
    "ProbeResult",
    "Record",
    "Rejection",
    "ScrubReport",
    "Source",
    "SourceCheck",
    "SourceConfig",
    "SourceReport",
    "Task",
    "TaskRecordError",
    "audit",
    "audit_split",
    "builtin_path",
    "check_contamination",
    "classification_rows",
    "conversation_records",
    "corpus_texts",
    "dedup",
    "dedup_across",
    "exact_key",
    "fingerprint",
    "get_task",
    "guess_format",
    "load_records",
    "normalize_text",
    "pick_format",
    "prepare",
    "prompt_completion_rows",
    "record_text",
    "record_to_dict",
    "register_format",
    "register_task",
    "resolve_source",
    "scrub",
    "scrub_records",
    "split_records",
    "stream_records",
    "verify_source",
]
