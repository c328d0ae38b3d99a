"""Opening sources safely: regular files only, bounded reads, folder walks that stay inside.

Every limit a loader applies to what it reads lives here, so the docs can list them
(``docs/data.md``, "Limits and refusals"):

- a source must be a regular file (or a folder, for the formats that walk one): a
  FIFO, a device such as ``/dev/zero``, a socket or a symbolic-link loop is refused
  with :class:`SourceError` before a byte is read (a FIFO is opened non-blocking,
  so it cannot hang the load);
- a physical line is at most :data:`MAX_LINE_BYTES`; a longer one is one rejected
  record and reading goes on at the next line;
- a file read whole (one text document, one ``.eml``, one JSON document) is at most
  :data:`MAX_FILE_BYTES`;
- a folder walk does not follow a symbolic link out of the folder unless the loader
  is given ``follow_symlinks=True``; such a link is a rejected record;
- one JSON record nests at most :data:`MAX_JSON_DEPTH` levels, one e-mail at most
  :data:`MAX_MIME_DEPTH` multipart levels; a deeper one is a rejected record.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, AnyStr, BinaryIO

from ._registry import FormatError

if TYPE_CHECKING:
    from .._report import LoadReport

logger = logging.getLogger(__name__)

#: The longest physical line a line-oriented loader reads (64 MiB).
MAX_LINE_BYTES = 64 << 20
#: The largest file read whole: a text document, an ``.eml``, a JSON document (1 GiB).
MAX_FILE_BYTES = 1 << 30
#: The deepest nesting of one JSON record (object or array levels); a deeper record is rejected.
MAX_JSON_DEPTH = 100
#: The deepest nesting of MIME multiparts in one e-mail; a deeper message is rejected.
MAX_MIME_DEPTH = 20

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class SourceError(FormatError):
    """A source that is not a readable data file: a FIFO, a device, a directory where a file
    is expected, a symbolic-link loop, or a file beyond a size limit."""


def file_kind(mode: int) -> str:
    """What a ``st_mode`` describes, in words (``a FIFO (named pipe)``...)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_source(path: Path, *, folder_ok: bool = False, fmt: str | None = None) -> None:
    """Refuse a source that is not a regular file (or a folder, when ``folder_ok``).

    Raises:
        FileNotFoundError: nothing at ``path``.
        SourceError: a symbolic-link loop or dangling link, a FIFO, a device, a socket,
            or a directory given to a format that reads one file.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError(f"{path}: symbolic link loop; point the source at a real file") from None
        if os.path.lexists(path):
            raise SourceError(f"{path}: a symbolic link whose target does not exist ({exc.strerror})") from None
        raise FileNotFoundError(f"data source not found: {path}") from None
    if stat.S_ISREG(mode) or (folder_ok and stat.S_ISDIR(mode)):
        return
    what = f"format {fmt!r}" if fmt else "this format"
    if stat.S_ISDIR(mode):
        raise SourceError(f"{path} is a directory, but {what} reads one file; give a file inside it")
    raise SourceError(f"{path} is {file_kind(mode)}, not a regular file; llmsec reads data only from regular files")


def open_source(path: Path) -> BinaryIO:
    """Open a regular file for binary reading; refuse anything else without blocking.

    The file is opened non-blocking and checked with ``fstat`` on the open descriptor,
    so a FIFO swapped in after a check cannot make the read hang.

    Raises:
        SourceError: not a regular file, or a symbolic-link loop.
        OSError: it cannot be opened (missing, no permission).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError(f"{path}: symbolic link loop; point the source at a real file") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise SourceError(f"{path} is {file_kind(mode)}, not a regular file; llmsec reads data only "
                              "from regular files")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The whole of a regular file, which must not exceed ``limit`` bytes.

    Raises:
        SourceError: not a regular file, or larger than ``limit``.
    """
    chunks, total = [], 0
    with open_source(path) as fh:
        # In chunks: fh.read(limit + 1) would allocate the whole limit (1 GiB) for every small file.
        while total <= limit and (chunk := fh.read(min(1 << 20, limit + 1 - total))):
            chunks.append(chunk)
            total += len(chunk)
    if total > limit:
        raise SourceError(f"{path} is larger than the limit of {limit} bytes for a file read whole")
    return b"".join(chunks)


_ENDS = (b"\n", "\n", "\r")  # what ends a binary line; a text line read with newline=""


def bounded_lines(fh: IO[AnyStr], limit: int | None = None) -> Iterator[AnyStr | None]:
    """The physical lines of a binary (or text) stream, each at most ``limit`` bytes
    (characters) besides its line break.

    A longer line is skipped in chunks (never held in memory) and yields ``None`` in
    its place, so the caller can reject it by its line number and read on.
    ``limit`` defaults to :data:`MAX_LINE_BYTES` (read when called).
    """
    limit = MAX_LINE_BYTES if limit is None else limit
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line[-1:] in _ENDS:
            yield line
            continue
        while (rest := fh.readline(1 << 20)) and rest[-1:] not in _ENDS:
            pass
        yield None


def counted_lines(fh: IO[bytes], path: Path, report: LoadReport) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` for each physical line of ``fh``, every one counted in ``report.lines``;
    a line past :data:`MAX_LINE_BYTES` is rejected by its number and skipped."""
    for lineno, raw in enumerate(bounded_lines(fh), start=1):
        report.lines += 1
        if raw is None:
            report.reject(str(path), lineno, line_too_long())
            continue
        yield lineno, raw


def line_too_long(limit: int | None = None) -> str:
    """The rejection reason of a line past ``limit`` (default :data:`MAX_LINE_BYTES`)."""
    return f"line longer than {MAX_LINE_BYTES if limit is None else limit} bytes (limit MAX_LINE_BYTES); skipped"


def walk_files(
    root: Path, keep: Callable[[Path], bool], *, follow_symlinks: bool = False
) -> list[tuple[Path, str | None]]:
    """The files under ``root`` that ``keep`` selects, sorted, each with why it cannot be read.

    ``(path, None)`` is a regular file to read; ``(path, reason)`` one to reject: a
    symbolic link to a file outside ``root`` (unless ``follow_symlinks``), a link loop or
    dangling link, a FIFO or device. Symbolic links to folders are followed only with
    ``follow_symlinks`` (each real folder once, so a loop ends).
    """
    real_root = root.resolve()
    found: list[tuple[Path, str | None]] = []
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            logger.warning("cannot read folder %s (%s); skipped", folder, exc.strerror)
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                _link(path, real_root, keep, follow_symlinks, found, stack)
            elif entry.is_dir(follow_symlinks=False):
                stack.append(path)
            elif keep(path):
                mode = entry.stat(follow_symlinks=False).st_mode
                found.append((path, None if stat.S_ISREG(mode) else f"{file_kind(mode)}, not a regular file"))
    return sorted(found)


def _link(path: Path, real_root: Path, keep: Callable[[Path], bool], follow: bool,
          found: list[tuple[Path, str | None]], stack: list[Path]) -> None:
    """Sort one symbolic link met in a folder walk into ``found`` (files) or ``stack`` (folders)."""
    try:
        target = path.resolve(strict=True)
        mode = target.stat().st_mode
    except (OSError, RuntimeError):
        if keep(path):
            found.append((path, "symbolic link loop or dangling link"))
        return
    if stat.S_ISDIR(mode):
        if follow:
            stack.append(path)
        else:
            logger.warning("%s is a symbolic link to the folder %s; not followed (follow_symlinks=True "
                           "follows it)", path, target)
        return
    if not keep(path):
        return
    if not follow and not target.is_relative_to(real_root):
        found.append((path, f"symbolic link to {target}, outside the source folder; not followed "
                            "(pass follow_symlinks=True to allow it)"))
    elif not stat.S_ISREG(mode):
        found.append((path, f"symbolic link to {file_kind(mode)}, not a regular file"))
    else:
        found.append((path, None))


def json_depth_error(obj: object, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why a parsed JSON value is too deep (more than ``limit`` nested objects/arrays), else None.

    Iterative, so a deep value cannot exhaust the stack while it is measured.
    """
    stack: list[tuple[object, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return f"JSON nested deeper than {limit} levels (limit MAX_JSON_DEPTH)"
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return None
