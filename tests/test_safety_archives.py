"""Hostile archives: bombs are stopped while they stream, unreadable members are clean errors.

Every archive is built here in ``tmp_path``, small in bytes, so the tests stay fast.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

import llmsec.data.formats._archives as safety
from llmsec.data.formats._archives import ArchiveLimits, SafeZip, UnsafeArchiveError, safe_extract


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def patch_zip(path: Path, *, flags: int | None = None, method: int | None = None, corrupt: bytes | None = None) -> Path:
    """Rewrite a one-member zip's headers (general-purpose flags, compression method) in
    both the local and the central header, or corrupt its stored data (a bad CRC)."""
    data = bytearray(path.read_bytes())
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    if flags is not None:
        data[local + 6 : local + 8] = flags.to_bytes(2, "little")
        data[central + 8 : central + 10] = flags.to_bytes(2, "little")
    if method is not None:
        data[local + 8 : local + 10] = method.to_bytes(2, "little")
        data[central + 10 : central + 12] = method.to_bytes(2, "little")
    if corrupt is not None:
        at = data.index(corrupt)
        data[at : at + len(corrupt)] = bytes(b ^ 0x20 for b in corrupt)
    path.write_bytes(bytes(data))
    return path


class _Counting:
    """A stream wrapper that counts the bytes read from it."""

    def __init__(self, src: gzip.GzipFile, seen: list[int]) -> None:
        self.src, self.seen = src, seen

    def read(self, n: int = -1) -> bytes:
        data = self.src.read(n)
        self.seen[0] += len(data)
        return data

    def __enter__(self) -> _Counting:
        return self

    def __exit__(self, *exc: object) -> None:
        self.src.close()


def test_single_gz_over_the_ratio_is_refused_while_streaming_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gz = tmp_path / "bomb.bin.gz"
    gz.write_bytes(gzip.compress(b"\0" * (8 << 20), compresslevel=9))  # 8 MiB of zeros -> ~8 KiB
    seen = [0]
    monkeypatch.setattr(safety.gzip, "open", lambda *a, **k: _Counting(gzip.GzipFile(*a, **k), seen))
    with pytest.raises(UnsafeArchiveError, match="ratio limit"):
        safe_extract(gz, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == [], "the partial file is removed"
    budget = max(200 * gz.stat().st_size, 1 << 20)
    assert seen[0] <= budget + (1 << 20), f"decompressed {seen[0]} bytes, past the ratio budget {budget}"


def test_single_gz_within_the_ratio_extracts(tmp_path: Path) -> None:
    gz = tmp_path / "fine.txt.gz"
    gz.write_bytes(gzip.compress(b"\0" * (2 << 20)))  # 2 MiB, ratio ~ 500x: allowed when the ratio is raised
    out = safe_extract(gz, tmp_path / "o", ArchiveLimits(max_ratio=1e6))
    assert out[0].stat().st_size == 2 << 20


def test_truncated_gz_is_a_clean_error_and_leaves_nothing(tmp_path: Path) -> None:
    gz = tmp_path / "cut.txt.gz"
    gz.write_bytes(gzip.compress(bytes(range(256)) * 4096)[:-200])
    with pytest.raises(UnsafeArchiveError, match="cannot decompress"):
        safe_extract(gz, tmp_path / "o")
    assert list((tmp_path / "o").iterdir()) == []


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        ({"flags": 0x1}, "encrypted"),
        ({"method": 99}, "compression method 99"),
        ({"corrupt": b"hello hostile world"}, "corrupt|Bad CRC|cannot"),
    ],
    ids=["encrypted", "unknown-method", "bad-crc"],
)
def test_unreadable_zip_members_are_clean_errors(tmp_path: Path, damage: dict, match: str) -> None:
    z = patch_zip(_zip(tmp_path / "m.zip", {"m.txt": b"hello hostile world\n" * 3}, zipfile.ZIP_STORED), **damage)
    with pytest.raises(UnsafeArchiveError, match=match):
        safe_extract(z, tmp_path / "o")
    assert not (tmp_path / "o" / "m.txt").exists()
    with pytest.raises(UnsafeArchiveError, match=match), SafeZip(z) as archive, archive.open("m.txt") as fh:
        fh.read()


def test_not_a_zip_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04" + b"\0" * 40 + b"PK\x05\x06" + b"\xff" * 18)
    with pytest.raises(UnsafeArchiveError, match="not a readable zip"):
        SafeZip(bad)


def test_safe_zip_checks_declared_sizes_before_reading(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.zip", {"zeros.txt": b"1,2\n" * (2 << 20)})  # 8 MiB of short lines -> ~10 KiB
    with pytest.raises(UnsafeArchiveError, match="zip bomb"):
        SafeZip(bomb)
    with pytest.raises(UnsafeArchiveError, match="holds 3 members"):
        SafeZip(_zip(tmp_path / "many.zip", {"a": b"", "b": b"", "c": b""}), ArchiveLimits(max_files=2))
    with pytest.raises(UnsafeArchiveError, match="climbs out"):
        SafeZip(_zip(tmp_path / "trav.zip", {"../x.txt": b"x"}))


def test_safe_zip_streams_a_good_member(tmp_path: Path) -> None:
    z = _zip(tmp_path / "ok.zip", {"dir/": b"", "dir/a.txt": b"one\ntwo\n"})
    with SafeZip(z) as archive:
        assert archive.names == ["dir/a.txt"]
        with archive.open("dir/a.txt") as fh:
            assert fh.readline(100) == b"one\n" and list(fh) == [b"two\n"]
