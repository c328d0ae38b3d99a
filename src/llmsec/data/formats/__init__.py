"""Source formats: each module parses one format into canonical records.

A new format is one module here with a ``@register_format`` function, and one
import line below.
"""

from ._registry import FORMATS, Format, FormatError, iter_records, register_format

# Register the built-in formats (import for side effect).
from . import attack, cicids, cwe, email_csv, email_raw, iot23, jsonl, juliet, knowledge, malware, nslkdd, nvd, phishing_url, preference, secure_code, table, text, unsw, vuln_code  # noqa: F401, E501  isort: skip

__all__ = ["FORMATS", "Format", "FormatError", "iter_records", "register_format"]
