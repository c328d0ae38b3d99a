"""The format registry: one module per source format, one decorator each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..._registry import Registry
from .._records import Record
from .._report import LoadReport

Loader = Callable[..., Iterator[Record]]


@dataclass(frozen=True)
class Format:
    """A registered source format.

    Attributes:
        name: the name recipes and the CLI use (``format: nvd``).
        load: ``load(path, report, **options)`` yields records and counts every
            record it reads in ``report`` (loaded or rejected, never dropped).
        record_type: the canonical record type it yields.
        description: one line for ``llmsec data formats``.
        folders: whether a folder is a valid source (the loader walks it); any other
            source must be a regular file.
    """

    name: str
    load: Loader
    record_type: type
    description: str
    folders: bool = False


FORMATS: Registry[Format] = Registry("format")


def register_format(
    name: str, *, record: type, description: str, folders: bool = False
) -> Callable[[Loader], Loader]:
    """Register a loader function as the format ``name`` (``folders``: it also walks a folder)."""

    def decorator(fn: Loader) -> Loader:
        FORMATS.add(name, Format(name, fn, record, description, folders))
        return fn

    return decorator


class FormatError(ValueError):
    """A file is not the declared format at all (as opposed to a bad record in it)."""


def iter_records(
    path: str | Path, fmt: str, report: LoadReport, **options: Any
) -> Iterator[Record]:
    """Stream the records of ``path`` read as format ``fmt``.

    Raises:
        FileNotFoundError: nothing at ``path``.
        SourceError: ``path`` is a FIFO, a device, a socket, a symbolic-link loop, or a
            folder given to a format that reads one file.
    """
    from ._source import check_source  # _source imports FormatError from here

    path = Path(path)
    spec = FORMATS.get(fmt)
    check_source(path, folder_ok=spec.folders, fmt=fmt)
    yield from spec.load(path, report, **options)
