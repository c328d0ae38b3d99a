"""Plain text or source files as documents for domain pre-training."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .._records import Document
from .._report import LoadReport
from ._registry import register_format

TEXT_SUFFIXES = {".txt", ".md", ".rst", ".c", ".cc", ".cpp", ".h", ".hpp", ".py", ".java",
                 ".js", ".ts", ".go", ".rs", ".php", ".rb", ".cs", ".sh"}


@register_format(
    "text", record=Document, description="a text/code file, or a folder of them, one document a file"
)
def load_text(path: Path, report: LoadReport) -> Iterator[Document]:
    """One Document per file; a folder is walked for text and source files."""
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES) \
        if path.is_dir() else [path]
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            report.reject(str(file), 1, "not valid UTF-8")
            continue
        if not text.strip():
            report.reject(str(file), 1, "empty file")
            continue
        report.accept()
        yield Document(text, source=str(file))
