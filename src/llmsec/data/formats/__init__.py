"""Source formats: each module parses one format into canonical records.

A new format is one module here with a ``@register_format`` function, and one
import line below.
"""

from ._registry import FORMATS, Format, FormatError, iter_records, register_format

# Register the built-in formats (import for side effect).
from . import cicids, email_csv, email_raw, iot23, jsonl, malware, nslkdd, phishing_url, text, unsw  # noqa: F401  isort: skip

__all__ = ["FORMATS", "Format", "FormatError", "iter_records", "register_format"]
