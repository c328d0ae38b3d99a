"""Safe extraction of untrusted archives (zip, tar, tar.gz/bz2/xz, gz).

Every member is checked before anything is written: no absolute paths, no
``..`` that climbs out of the destination, no links or device files, and the
total uncompressed size, member count and compression ratio are bounded, so a
zip bomb is refused instead of filling the disk. Files are written with plain
permissions (no setuid bits, no ownership from the archive).
"""

from __future__ import annotations

import gzip
import logging
import os
import stat
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO

logger = logging.getLogger(__name__)

__all__ = ["ArchiveLimits", "UnsafeArchiveError", "safe_extract"]


class UnsafeArchiveError(ValueError):
    """An archive member would escape the destination, is a link/device, or the archive is a bomb."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what one archive may expand to.

    Attributes:
        max_total_bytes: sum of the members' uncompressed sizes.
        max_files: number of members.
        max_ratio: uncompressed / compressed size of the whole archive.
    """

    max_total_bytes: int = 4 << 30
    max_files: int = 100_000
    max_ratio: float = 200.0


def _member_target(dest: Path, name: str) -> Path:
    """Where a member lands; raise when its name is absolute or climbs out of ``dest``."""
    posix = name.replace("\\", "/")
    pure = PurePosixPath(posix)
    if pure.is_absolute() or posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise UnsafeArchiveError(f"archive member {name!r} has an absolute path; refusing to extract it")
    if ".." in pure.parts:
        raise UnsafeArchiveError(f"archive member {name!r} climbs out of the destination with '..'")
    target = (dest / Path(*pure.parts)).resolve() if pure.parts else dest
    if not target.is_relative_to(dest):
        raise UnsafeArchiveError(f"archive member {name!r} would be written outside {dest}")
    return target


def _check_totals(total: int, count: int, compressed: int, limits: ArchiveLimits, archive: Path) -> None:
    if count > limits.max_files:
        raise UnsafeArchiveError(f"{archive} holds {count} members, more than the limit of {limits.max_files}")
    if total > limits.max_total_bytes:
        raise UnsafeArchiveError(
            f"{archive} expands to {total} bytes, more than the limit of {limits.max_total_bytes} "
            "(raise ArchiveLimits.max_total_bytes if you trust it)"
        )
    if compressed > 0 and total / compressed > limits.max_ratio and total > (1 << 20):
        raise UnsafeArchiveError(
            f"{archive} expands {total / compressed:.0f}x ({compressed} -> {total} bytes), above the "
            f"ratio limit of {limits.max_ratio:.0f}x: likely a zip bomb"
        )


def _copy_bounded(src: object, dst: Path, budget: list[int], archive: Path) -> None:
    """Copy a member stream, counting real bytes (declared sizes can lie)."""
    with dst.open("wb") as out:
        while chunk := src.read(1 << 20):  # type: ignore[attr-defined]
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise UnsafeArchiveError(f"{archive} expands beyond its size limit while extracting")
            out.write(chunk)


def safe_extract(archive: str | os.PathLike[str], dest: str | os.PathLike[str],
                 limits: ArchiveLimits | None = None) -> list[Path]:
    """Extract ``archive`` into ``dest`` after checking every member; return the files written.

    Supports ``.zip``, tar files (plain, gzip, bzip2, xz) and single-file ``.gz``.

    Raises:
        UnsafeArchiveError: a member with an absolute path, ``..``, a link or a
            device, or an archive beyond ``limits``. Nothing is written then.
        ValueError: not a supported archive.
    """
    limits = limits or ArchiveLimits()
    archive = Path(archive)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    dest = dest.resolve()
    compressed = archive.stat().st_size
    if zipfile.is_zipfile(archive):
        return _extract_zip(archive, dest, limits, compressed)
    lower = archive.name.lower()
    single_gz = lower.endswith(".gz") and not lower.endswith((".tar.gz", ".tgz"))
    if not single_gz and tarfile.is_tarfile(archive):
        return _extract_tar(archive, dest, limits, compressed)
    if single_gz:
        target = _member_target(dest, archive.stem)
        budget = [limits.max_total_bytes]
        with gzip.open(archive, "rb") as src:
            try:
                _copy_bounded(src, target, budget, archive)
            except UnsafeArchiveError:
                target.unlink(missing_ok=True)
                raise
        _check_totals(limits.max_total_bytes - budget[0], 1, compressed, limits, archive)
        return [target]
    raise ValueError(f"{archive} is not a zip, tar or gz archive")


def _extract_zip(archive: Path, dest: Path, limits: ArchiveLimits, compressed: int) -> list[Path]:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        plan = []
        for info in infos:
            target = _member_target(dest, info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeArchiveError(f"archive member {info.filename!r} is a symbolic link; refusing it")
            plan.append((info.is_dir(), target, partial(zf.open, info)))
        _check_totals(sum(i.file_size for i in infos), len(infos), compressed, limits, archive)
        return _write_members(plan, archive, limits)


def _extract_tar(archive: Path, dest: Path, limits: ArchiveLimits, compressed: int) -> list[Path]:
    with tarfile.open(archive) as tf:
        members = tf.getmembers()
        plan = []
        for member in members:
            target = _member_target(dest, member.name)
            if member.issym() or member.islnk():
                raise UnsafeArchiveError(f"archive member {member.name!r} is a link to {member.linkname!r}; "
                                         "refusing it")
            if not (member.isfile() or member.isdir()):
                raise UnsafeArchiveError(f"archive member {member.name!r} is a device, FIFO or other "
                                         "special file; refusing it")
            plan.append((member.isdir(), target, partial(tf.extractfile, member)))
        _check_totals(sum(m.size for m in members if m.isfile()), len(members), compressed, limits, archive)
        written = _write_members(plan, archive, limits)
    logger.debug("extracted %d files from %s", len(written), archive)
    return written


def _write_members(plan: list[tuple[bool, Path, Callable[[], IO[bytes] | None]]], archive: Path,
                   limits: ArchiveLimits) -> list[Path]:
    """Write checked members ``(is_dir, target, open)`` within the size budget; on a breach remove what was written."""
    written: list[Path] = []
    budget = [limits.max_total_bytes]
    try:
        for is_dir, target, open_member in plan:
            if is_dir:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            src = open_member()
            if src is None:
                continue
            written.append(target)
            with src:
                _copy_bounded(src, target, budget, archive)
    except UnsafeArchiveError:
        _unlink(written)
        raise
    return written


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
