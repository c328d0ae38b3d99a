"""Reading JSON sources record by record: big documents streamed, JSON lines checked.

A big JSON document (an NVD feed, a Devign ``function.json``) is one value, so
a syntax error anywhere makes the whole file untrustworthy: it raises
:class:`FormatError` with the character position. JSON-lines files are the
opposite: a bad line is one rejected record.

Reads are bounded: a document read whole (:func:`load_document`) holds at most
``MAX_FILE_BYTES`` characters, one item of a streamed array at most
:data:`MAX_ITEM_CHARS`, one JSON line at most ``MAX_LINE_BYTES``; nesting past
the parser's recursion limit is a :class:`FormatError` (a document) or a rejected
line, and past ``MAX_JSON_DEPTH`` a rejected line.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .._report import LoadReport
from ._archives import ArchiveLimits
from ._registry import FormatError
from ._source import MAX_FILE_BYTES, MAX_JSON_DEPTH, counted_lines, json_depth_error, open_source

_WS = " \t\r\n"
_DECODER = json.JSONDecoder()
_CHUNK = 1 << 20
#: The largest single item of a streamed JSON array (one CVE of a feed), in characters (256 Mi).
MAX_ITEM_CHARS = 256 << 20


class _CheckedGzip(gzip.GzipFile):
    """A gzip stream on which corrupt or truncated data raises :class:`FormatError`
    (``gzip`` itself raises ``zlib.error``, ``EOFError`` or ``BadGzipFile``), and so does
    expanding past the archive limits (``ArchiveLimits``: 200x its size above 1 MiB,
    4 GiB in all): a gzip bomb stops while it streams."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "rb")
        limits = ArchiveLimits()
        self._left = min(limits.max_total_bytes, max(int(limits.max_ratio * path.stat().st_size), 1 << 20))
        self._ratio = limits.max_ratio

    def _checked(self, read: Any, *args: Any) -> bytes:
        try:
            data = read(*args)
        except (OSError, EOFError, zlib.error) as exc:
            raise FormatError(f"{self.name}: cannot decompress ({exc}); the gzip file is corrupt or truncated") \
                from exc
        self._left -= len(data)
        if self._left < 0:
            raise FormatError(f"{self.name}: expands more than {self._ratio:.0f}x its size (or past 4 GiB): "
                              "likely a gzip bomb; unpack it yourself if you trust it")
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._checked(super().read, size)

    def read1(self, size: int = -1) -> bytes:
        return self._checked(super().read1, size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._checked(super().readline, size)


def open_binary(path: Path) -> IO[bytes]:
    """``path`` opened for reading bytes; gzip files (by magic bytes) are decompressed, and
    a corrupt gzip stream raises :class:`FormatError` when it is read."""
    with open_source(path) as fh:  # a FIFO or device is refused here, before gzip opens it
        gz = fh.read(2) == b"\x1f\x8b"
    return _CheckedGzip(path) if gz else open_source(path)


def open_text(path: Path) -> IO[str]:
    """``path`` opened as UTF-8 text; gzip files (by magic bytes) are decompressed."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8-sig", errors="strict")


class _Reader:
    """A growing text buffer over a file, decoding one JSON value at a time."""

    def __init__(self, fh: IO[str], path: Path) -> None:
        self.fh, self.path = fh, path
        self.buf, self.pos, self.base, self.eof = "", 0, 0, False

    def _fill(self, want: int = _CHUNK) -> bool:
        if self.eof:
            return False
        try:
            data = self.fh.read(max(want, _CHUNK))
        except UnicodeDecodeError as exc:
            raise FormatError(f"{self.path}: not valid UTF-8 ({exc.reason}); re-encode it as UTF-8") from exc
        except (OSError, EOFError) as exc:  # gzip: corrupt or truncated stream
            raise FormatError(f"{self.path}: cannot decompress ({exc})") from exc
        if not data:
            self.eof = True
            return False
        if len(self.buf) - self.pos > MAX_ITEM_CHARS:
            raise self.error(f"one JSON value longer than {MAX_ITEM_CHARS} characters (limit MAX_ITEM_CHARS)")
        self.base += self.pos
        self.buf = self.buf[self.pos :] + data
        self.pos = 0
        return True

    def error(self, what: str) -> FormatError:
        return FormatError(
            f"{self.path}: {what} at character {self.base + self.pos}; the file is truncated or "
            "not the declared format, so none of its records can be trusted"
        )

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf) or not self._fill():
                return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = self.peek() or "end of file"
            raise self.error(f"expected {char!r} but found {found!r}")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise self.error("JSON nested deeper than the parser's recursion limit") from None
            except json.JSONDecodeError as exc:
                # Incomplete in the buffer: read as much again and retry (doubling keeps it linear).
                if self._fill(2 * (len(self.buf) - self.pos)):
                    continue
                raise self.error(f"invalid JSON ({exc.msg})") from exc
            if end == len(self.buf) and not isinstance(obj, (dict, list, str)) and self._fill():
                continue  # a number or literal cut at the buffer's edge
            self.pos = end
            return obj


def _items(reader: _Reader) -> Iterator[Any]:
    """The items of the array whose ``[`` is next in ``reader``."""
    reader.expect("[")
    if reader.peek() == "]":
        reader.pos += 1
        return
    while True:
        yield reader.value()
        nxt = reader.peek()
        reader.pos += 1
        if nxt == "]":
            return
        if nxt != ",":
            reader.pos -= 1
            raise reader.error(f"expected ',' or ']' in array but found {nxt or 'end of file'!r}")


def stream_array(path: Path, keys: tuple[str, ...] | None) -> Iterator[tuple[str | None, Any]]:
    """Stream the items of one big array in a JSON document.

    Args:
        path: the file (plain or gzip).
        keys: the top-level object member holding the array (the first of them
            present is used, other members are parsed and skipped); None when
            the document itself is the array.

    Yields:
        ``(key, item)`` pairs (key is None for a top-level array).

    Raises:
        FormatError: the document is not valid JSON, is truncated, or has none of ``keys``.
    """
    with open_text(path) as fh:
        reader = _Reader(fh, path)
        first = reader.peek()
        if keys is None:
            if first != "[":
                raise FormatError(f"{path}: expected a JSON array but the file starts with {first!r}")
            for item in _items(reader):
                yield None, item
            if reader.peek():
                raise reader.error("unexpected data after the JSON array")
            return
        if first != "{":
            raise FormatError(
                f"{path}: expected a JSON object with {' or '.join(keys)!r} but the file starts with {first!r}"
            )
        reader.pos += 1
        found = None
        while reader.peek() != "}":
            if reader.peek() == "":
                raise reader.error("unexpected end of file")
            key = reader.value()
            if not isinstance(key, str):
                raise reader.error("expected an object key")
            reader.expect(":")
            if found is None and key in keys and reader.peek() == "[":
                found = key
                for item in _items(reader):
                    yield key, item
            else:
                reader.value()
            if reader.peek() == ",":
                reader.pos += 1
        reader.pos += 1
        if reader.peek():
            raise reader.error("unexpected data after the JSON object")
        if found is None:
            raise FormatError(f"{path}: no {' or '.join(repr(k) for k in keys)} array found at the top level")


def load_document(path: Path) -> Any:
    """Parse a whole JSON file (plain or gzip) or raise :class:`FormatError` saying where it breaks."""
    try:
        parts, total = [], 0
        with open_text(path) as fh:  # in chunks: one read(limit) could allocate the whole limit
            while total <= MAX_FILE_BYTES and (part := fh.read(_CHUNK)):
                parts.append(part)
                total += len(part)
        text = "".join(parts)
        if total > MAX_FILE_BYTES:
            raise FormatError(f"{path}: longer than {MAX_FILE_BYTES} characters, the limit for a JSON document "
                              "read whole (limit MAX_FILE_BYTES)")
        return json.loads(text)
    except RecursionError:
        raise FormatError(f"{path}: JSON nested deeper than the parser's recursion limit") from None
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not valid UTF-8 ({exc.reason}); re-encode it as UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); the file is "
            "truncated or not the declared format, so none of its records can be trusted"
        ) from exc
    except (OSError, EOFError) as exc:
        raise FormatError(f"{path}: cannot read ({exc})") from exc


def iter_json_lines(path: Path, report: LoadReport) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each good line of a JSON-lines file.

    Blank lines are skipped; a line that is not UTF-8, not JSON, not an object,
    longer than ``MAX_LINE_BYTES`` or nested past ``MAX_JSON_DEPTH`` is rejected in
    ``report`` (which counts the physical lines). The caller accepts or rejects
    each object it receives.

    Raises:
        FormatError: the first non-blank line does not even start like a JSON object.
    """
    with open_binary(path) as fh:
        checked = False
        for lineno, raw in counted_lines(fh, path, report):
            line = raw.strip()
            if not line:
                continue
            if not checked:
                checked = True
                if not line.lstrip(b"\xef\xbb\xbf").startswith(b"{"):
                    raise FormatError(
                        f"{path}: not JSON lines (line {lineno} starts with {line[:20]!r}, "
                        "expected a JSON object on each line)"
                    )
            try:
                obj = json.loads(line.decode("utf-8-sig"))
            except RecursionError:
                report.reject(str(path), lineno, f"JSON nested deeper than the parser's recursion limit "
                                                 f"(limit MAX_JSON_DEPTH is {MAX_JSON_DEPTH})")
                continue
            except UnicodeDecodeError:
                report.reject(str(path), lineno, "not valid UTF-8")
                continue
            except json.JSONDecodeError as exc:
                report.reject(str(path), lineno, f"invalid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                report.reject(str(path), lineno, "line is not a JSON object")
                continue
            too_deep = json_depth_error(obj)
            if too_deep:
                report.reject(str(path), lineno, too_deep)
                continue
            yield lineno, obj
