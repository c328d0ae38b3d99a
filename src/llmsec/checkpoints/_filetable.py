"""File tables of checkpoint markers: their exact shape, and checking a folder against one.

Both markers llmsec writes list the size and SHA-256 of every file it wrote:
``llmsec-checkpoint.json`` for an intermediate checkpoint and the ``files`` table
of ``llmsec.json`` for a finished stage. A marker is the root of trust (nothing
hashes it), so it is believed only in exactly the shape llmsec writes: valid
JSON of any other shape (a renamed key, a list where a table belongs, a number
where an entry belongs, a name that climbs out of the folder) is a
:class:`MarkerError`, which callers turn into "checkpoint unusable".
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

_CHUNK = 1 << 20


class MarkerError(ValueError):
    """A marker that is not valid JSON, or valid JSON of the wrong shape."""


def _relative_name(name: str) -> str:
    path = PurePosixPath(name)
    if not name or "\x00" in name or "\\" in name or path.is_absolute() or any(
            part in ("", ".", "..") for part in name.split("/")):
        raise ValueError(f"{name!r} is not a plain relative file name inside the checkpoint")
    return name


FileName = Annotated[str, AfterValidator(_relative_name)]


class FileEntry(BaseModel):
    """Size and SHA-256 of one file, as written."""

    model_config = ConfigDict(strict=True, frozen=True)

    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


FileTable = dict[FileName, FileEntry]


class CheckpointMarker(BaseModel):
    """``llmsec-checkpoint.json``: the step, the file table, and the stage config and seed (extra keys)."""

    model_config = ConfigDict(strict=True, extra="allow")

    step: int = Field(ge=0)
    files: FileTable = Field(min_length=1)


class _FinishedFiles(BaseModel):
    """The part of a finished stage's ``llmsec.json`` that verification needs."""

    model_config = ConfigDict(strict=True, extra="ignore")

    files: FileTable = Field(min_length=1)


def _reason(exc: ValidationError) -> str:
    """The first shape error in one line: ``files.README.md.size: Field required``."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "the top level"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def parse_marker(text: str) -> CheckpointMarker:
    """Validate the text of an ``llmsec-checkpoint.json``.

    Raises:
        MarkerError: not JSON, or not the shape llmsec writes (the message says where).
    """
    try:
        return CheckpointMarker.model_validate(json.loads(text))
    except ValueError as exc:  # json.JSONDecodeError and pydantic's ValidationError are both ValueErrors
        raise MarkerError(_reason(exc) if isinstance(exc, ValidationError) else f"not JSON: {exc}") from None


def parse_file_table(manifest: Any) -> dict[str, FileEntry]:
    """The ``files`` table of a finished stage's manifest (already parsed from JSON).

    Raises:
        MarkerError: no table, or one of the wrong shape.
    """
    try:
        return _FinishedFiles.model_validate(manifest).files
    except ValidationError as exc:
        raise MarkerError(_reason(exc)) from None


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_files(folder: Path, files: dict[str, FileEntry]) -> str | None:
    """Why the files under ``folder`` do not match ``files`` (present, sizes, SHA-256); None when they do."""
    for name, entry in files.items():
        file = folder / name
        if not file.is_file():
            return f"{name} is missing"
        size = file.stat().st_size
        if size != entry.size:
            return f"{name} has {size} bytes, {entry.size} were written"
        if sha256_file(file) != entry.sha256:
            return f"{name} does not match its SHA-256 (corrupted)"
    return None


def unlisted(folder: Path, files: dict[str, FileEntry], *, marker: str) -> list[str]:
    """Files under ``folder`` (recursively) that the table does not list, besides the marker itself."""
    return sorted(rel for p in folder.rglob("*") if not p.is_dir()
                  and (rel := p.relative_to(folder).as_posix()) not in files and rel != marker)


def verify_final(path: Path, manifest: Any) -> str | None:
    """Why a finished stage checkpoint does not match its manifest's file table (None: it does).

    Every listed file must be present with the recorded size and SHA-256; a table
    of the wrong shape (or none) makes the checkpoint unusable too.
    """
    try:
        files = parse_file_table(manifest)
    except MarkerError as exc:
        return f"damaged file table in llmsec.json ({exc})"
    return check_files(path, files)
