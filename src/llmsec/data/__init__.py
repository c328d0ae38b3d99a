"""Source formats → canonical records → task views."""

from ._load import BUILTIN_SETS, builtin_path, fingerprint, guess_format, load_records, resolve_source
from ._records import Conversation, Document, Example, Message, MultipleChoice, Record, record_to_dict
from ._report import EmptyDatasetError, LoadReport, Rejection
from ._tasks import TASKS, Task, get_task, record_text, register_task
from ._views import (
    classification_rows,
    conversation_records,
    corpus_texts,
    pack_texts,
    prompt_completion_rows,
)
from .formats import FORMATS, Format, FormatError, register_format

__all__ = [
    "BUILTIN_SETS",
    "FORMATS",
    "TASKS",
    "Conversation",
    "Document",
    "EmptyDatasetError",
    "Example",
    "Format",
    "FormatError",
    "LoadReport",
    "Message",
    "MultipleChoice",
    "Record",
    "Rejection",
    "Task",
    "builtin_path",
    "classification_rows",
    "conversation_records",
    "corpus_texts",
    "fingerprint",
    "get_task",
    "guess_format",
    "load_records",
    "pack_texts",
    "prompt_completion_rows",
    "record_text",
    "record_to_dict",
    "register_format",
    "register_task",
    "resolve_source",
]
