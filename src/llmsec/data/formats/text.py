"""Plain text or source files as documents for domain pre-training."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .._records import Document
from .._report import LoadReport
from ._registry import register_format
from ._source import MAX_FILE_BYTES, SourceError, read_bounded, walk_files

TEXT_SUFFIXES = {".txt", ".md", ".rst", ".c", ".cc", ".cpp", ".h", ".hpp", ".py", ".java",
                 ".js", ".ts", ".go", ".rs", ".php", ".rb", ".cs", ".sh"}


@register_format(
    "text", record=Document, description="a text/code file, or a folder of them, one document a file",
    folders=True,
)
def load_text(
    path: Path, report: LoadReport, *, follow_symlinks: bool = False, max_bytes: int = MAX_FILE_BYTES
) -> Iterator[Document]:
    """One Document per file; a folder is walked for text and source files.

    Args:
        follow_symlinks: follow symbolic links that leave the folder (and links to
            folders); by default such a link is a rejected record, so a link to
            ``/etc/passwd`` never becomes a training document.
        max_bytes: the largest file read; a larger one is a rejected record.

    A FIFO, device or link loop inside the folder is a rejected record too.
    """
    files = (walk_files(path, lambda p: p.suffix.lower() in TEXT_SUFFIXES, follow_symlinks=follow_symlinks)
             if path.is_dir() else [(path, None)])
    for file, refused in files:
        if refused:
            report.reject(str(file), 1, refused)
            continue
        try:
            text = read_bounded(file, max_bytes).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            report.reject(str(file), 1, "not valid UTF-8")
            continue
        except SourceError as exc:
            if not path.is_dir():
                raise
            report.reject(str(file), 1, str(exc).removeprefix(f"{file} ").removeprefix(f"{file}: "))
            continue
        if not text.strip():
            report.reject(str(file), 1, "empty file")
            continue
        report.accept()
        yield Document(text, source=str(file))
