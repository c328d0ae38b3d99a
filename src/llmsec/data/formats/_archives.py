"""Untrusted archives (zip, tar, tar.gz/bz2/xz, gz) read or extracted within limits.

The loaders that open archives go through here: ``mal-api`` streams a zip member
through :class:`SafeZip`, the JSON loaders bound a gzip stream by :class:`ArchiveLimits`.

Every member is checked before anything is written: no absolute paths, no
``..`` that climbs out of the destination, no links or device files, and the
total uncompressed size, member count and compression ratio are bounded, so a
zip bomb is refused instead of filling the disk. Files are written with plain
permissions (no setuid bits, no ownership from the archive).
"""

from __future__ import annotations

import gzip
import io
import logging
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO

logger = logging.getLogger(__name__)

__all__ = ["ArchiveLimits", "SafeZip", "UnsafeArchiveError", "safe_extract"]

#: Compression methods the standard library can decompress.
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
#: What a corrupt member raises while it is decompressed (a bad CRC is a BadZipFile).
_CORRUPT = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, tarfile.TarError)
_SMALL = 1 << 20  # an archive may always expand to 1 MiB, whatever its ratio


class UnsafeArchiveError(ValueError):
    """An archive member would escape the destination, is a link/device, the archive is a bomb,
    or it cannot be read safely (encrypted, unknown compression method, corrupt)."""


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


class _Budget:
    """The bytes an archive may still expand to, counted as they are decompressed (declared sizes can lie).

    The bound is the size limit and, above 1 MiB, the ratio limit times the archive's own
    size, so a bomb is stopped while it streams, before more than that is written or read.
    """

    def __init__(self, archive: Path, limits: ArchiveLimits, compressed: int) -> None:
        self.archive, self.limits, self.compressed = archive, limits, compressed
        self.by_ratio = max(int(limits.max_ratio * compressed), _SMALL)
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limits.max_total_bytes:
            raise UnsafeArchiveError(
                f"{self.archive} expands beyond its size limit of {self.limits.max_total_bytes} bytes while "
                "extracting (raise ArchiveLimits.max_total_bytes if you trust it)"
            )
        if self.used > self.by_ratio:
            raise UnsafeArchiveError(
                f"{self.archive} expands more than {self.limits.max_ratio:.0f}x ({self.compressed} -> over "
                f"{self.used} bytes) while extracting, above the ratio limit: likely a zip bomb"
            )


def _copy_bounded(src: IO[bytes], dst: Path, budget: _Budget, archive: Path) -> None:
    """Copy a member stream within ``budget``; a corrupt stream is an :class:`UnsafeArchiveError`."""
    with dst.open("wb") as out:
        while True:
            try:
                chunk = src.read(1 << 20)
            except _CORRUPT as exc:
                raise UnsafeArchiveError(f"{archive}: cannot decompress {dst.name!r} ({exc})") from exc
            if not chunk:
                return
            budget.take(len(chunk))
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
        # A gzip stream does not say its size up front (the trailer's is modulo 4 GiB and can
        # lie): the ratio and size limits are enforced while it streams, and on any failure
        # the partial file is removed.
        target = _member_target(dest, archive.stem)
        with gzip.open(archive, "rb") as src:
            return _write_members([(False, target, lambda: src)], archive, limits, compressed)
    raise ValueError(f"{archive} is not a zip, tar or gz archive")


def _check_zip_member(info: zipfile.ZipInfo) -> None:
    """Refuse a zip member that is a link, encrypted, or compressed with a method we cannot read."""
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeArchiveError(f"archive member {info.filename!r} is a symbolic link; refusing it")
    if info.flag_bits & 0x1:
        raise UnsafeArchiveError(f"archive member {info.filename!r} is encrypted; decrypt the archive first")
    if info.compress_type not in _ZIP_METHODS:
        raise UnsafeArchiveError(
            f"archive member {info.filename!r} uses compression method {info.compress_type}, which "
            "cannot be read (supported: stored, deflate, bzip2, lzma)"
        )


def _open_zip(archive: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise UnsafeArchiveError(f"{archive}: not a readable zip archive ({exc})") from exc


def _extract_zip(archive: Path, dest: Path, limits: ArchiveLimits, compressed: int) -> list[Path]:
    with _open_zip(archive) as zf:
        infos = zf.infolist()
        plan = []
        for info in infos:
            target = _member_target(dest, info.filename)
            _check_zip_member(info)
            plan.append((info.is_dir(), target, partial(zf.open, info)))
        _check_totals(sum(i.file_size for i in infos), len(infos), compressed, limits, archive)
        return _write_members(plan, archive, limits, compressed)


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
        written = _write_members(plan, archive, limits, compressed)
    logger.debug("extracted %d files from %s", len(written), archive)
    return written


def _write_members(plan: list[tuple[bool, Path, Callable[[], IO[bytes] | None]]], archive: Path,
                   limits: ArchiveLimits, compressed: int) -> list[Path]:
    """Write checked members ``(is_dir, target, open)`` within the size and ratio budget; on a
    breach or any other failure remove every file written, the partial one included."""
    written: list[Path] = []
    budget = _Budget(archive, limits, compressed)
    try:
        for is_dir, target, open_member in plan:
            if is_dir:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                src = open_member()
            except (*_CORRUPT, NotImplementedError, RuntimeError) as exc:
                raise UnsafeArchiveError(f"{archive}: cannot open {target.name!r} ({exc})") from exc
            if src is None:
                continue
            written.append(target)
            with src:
                _copy_bounded(src, target, budget, archive)
    except BaseException:
        _unlink(written)
        raise
    return written


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


class _GuardedMember(io.RawIOBase):
    """A zip member's stream that counts what it decompresses against the archive's budget
    and turns corruption (bad CRC, broken deflate data) into :class:`UnsafeArchiveError`."""

    def __init__(self, src: IO[bytes], info: zipfile.ZipInfo, budget: _Budget) -> None:
        super().__init__()
        self._src, self._info, self._budget, self._read = src, info, budget, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._src.read(len(buffer))
        except _CORRUPT as exc:
            raise UnsafeArchiveError(
                f"{self._budget.archive}: member {self._info.filename!r} is corrupt ({exc})"
            ) from exc
        self._read += len(data)
        if self._read > self._info.file_size:
            raise UnsafeArchiveError(
                f"{self._budget.archive}: member {self._info.filename!r} is larger than the "
                f"{self._info.file_size} bytes its header declares"
            )
        self._budget.take(len(data))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._src.close()
        super().close()


class SafeZip:
    """A zip archive read in place, member by member, under the same checks as :func:`safe_extract`.

    Opening checks every member before anything is decompressed: names (no absolute
    paths, no ``..``), no links, no encryption, a supported compression method, the
    member count, and the declared total size and ratio. A member opened with
    :meth:`open` is a buffered stream whose decompressed bytes are counted against
    the size and ratio limits as they are read (declared sizes can lie), so a bomb
    stops with an :class:`UnsafeArchiveError` instead of filling memory; a corrupt
    member (bad CRC) raises the same error.

    Use it as a context manager::

        with SafeZip(path) as archive:
            with archive.open(archive.names[0]) as fh:
                for line in fh: ...
    """

    def __init__(self, archive: str | os.PathLike[str], limits: ArchiveLimits | None = None) -> None:
        self.path = Path(archive)
        self.limits = limits or ArchiveLimits()
        self._zf = _open_zip(self.path)
        try:
            infos = self._zf.infolist()
            for info in infos:
                _member_target(Path("/"), info.filename)
                _check_zip_member(info)
            compressed = self.path.stat().st_size
            _check_totals(sum(i.file_size for i in infos), len(infos), compressed, self.limits, self.path)
        except BaseException:
            self._zf.close()
            raise
        self._infos = {i.filename: i for i in infos if not i.is_dir()}
        self._budget = _Budget(self.path, self.limits, compressed)

    @property
    def names(self) -> list[str]:
        """The file members' names, in archive order."""
        return list(self._infos)

    def open(self, name: str) -> io.BufferedReader:
        """Stream one member (bounded, see the class); raise KeyError for an unknown name."""
        info = self._infos[name]
        try:
            src = self._zf.open(info)
        except (*_CORRUPT, NotImplementedError, RuntimeError) as exc:
            raise UnsafeArchiveError(f"{self.path}: cannot open member {name!r} ({exc})") from exc
        return io.BufferedReader(_GuardedMember(src, info, self._budget), buffer_size=1 << 16)

    def close(self) -> None:
        self._zf.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
