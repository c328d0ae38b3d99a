"""Load canonical records from a file, a folder, or a built-in demo set."""

from __future__ import annotations

import hashlib
import itertools
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ._records import Record
from ._report import EmptyDatasetError, LoadReport
from .formats import FORMATS, iter_records
from .formats._source import open_source
from .formats.text import TEXT_SUFFIXES

BUILTIN_PREFIX = "builtin:"
BUILTIN_SETS = {
    "corpus": "security prose (CVE/CWE/ATT&CK-style) for domain pre-training",
    "instructions": "security instruction conversations",
    "vuln-code": "C/Python/JS snippets labelled safe/vulnerable with CWE tags",
}


def builtin_path(source: str) -> Path:
    """The file behind ``builtin:NAME`` (train split) or ``builtin:NAME/test``."""
    spec = source.removeprefix(BUILTIN_PREFIX)
    name, _, split = spec.partition("/")
    split = split or "train"
    if name not in BUILTIN_SETS or split not in ("train", "test"):
        raise FileNotFoundError(
            f"unknown built-in data {source!r}; built-in sets: "
            + ", ".join(f"builtin:{n}[/test]" for n in BUILTIN_SETS)
        )
    ref = resources.files("llmsec") / "resources" / "demo" / f"{name}.{split}.jsonl"
    return Path(str(ref))


def resolve_source(source: str | Path) -> Path:
    """A data source as a path (``builtin:`` names resolved)."""
    if isinstance(source, str) and source.startswith(BUILTIN_PREFIX):
        return builtin_path(source)
    return Path(source)


def guess_format(path: Path) -> str:
    """The format implied by a file's suffix; raise when it cannot be guessed."""
    if path.suffix == ".jsonl":
        return "jsonl"
    if path.is_dir() or path.suffix.lower() in TEXT_SUFFIXES:
        return "text"
    raise ValueError(
        f"cannot tell the format of {path} from its name; set data.format to one of: "
        + ", ".join(FORMATS.names())
    )


def load_records(
    source: str | Path,
    fmt: str | None = None,
    *,
    max_samples: int | None = None,
    **options: Any,
) -> tuple[list[Record], LoadReport]:
    """Read every record of a source and the report that accounts for them.

    Args:
        source: a file or folder path, or ``builtin:NAME[/test]``.
        fmt: a registered format name; guessed from the suffix when None.
        max_samples: keep only the first N loaded records (reading stops there).
        **options: passed to the format's loader.

    Raises:
        FileNotFoundError: the source does not exist.
        EmptyDatasetError: it yielded no usable record (the report's reasons are in the message).
    """
    path = resolve_source(source)
    if not os.path.lexists(path):  # a link loop "does not exist" but is refused by name later
        raise FileNotFoundError(f"data source not found: {source}")
    fmt = fmt or guess_format(path)
    report = LoadReport(source=str(source))
    stream = iter_records(path, fmt, report, **options)
    records = list(itertools.islice(stream, max_samples) if max_samples else stream)
    report.check()
    if not records:
        raise EmptyDatasetError(
            f"{source} ({fmt}) yielded no usable records.\n{report.summary()}"
        )
    return records, report


def fingerprint(source: str | Path) -> str:
    """A short content hash of a data source, for checkpoint manifests."""
    path = resolve_source(source)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode())
        with open_source(file) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16]
