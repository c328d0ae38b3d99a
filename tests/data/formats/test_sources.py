"""Special files given as sources are refused at once; folder walks do not leave the folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from llmsec.data import load_records
from llmsec.data._report import LoadReport
from llmsec.data.formats import FORMATS, iter_records
from llmsec.data.formats._source import SourceError, bounded_lines, read_bounded

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and symlinks")


def _load(path: Path, fmt: str, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, fmt, report, **options))
    report.check()
    return records, report


@pytest.mark.parametrize("fmt", FORMATS.names())
def test_a_fifo_is_refused_quickly_by_every_format(tmp_path: Path, fmt: str) -> None:
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)  # nobody ever writes: opening it for reading would block forever
    start = time.monotonic()
    with pytest.raises(SourceError, match="FIFO"):
        _load(fifo, fmt)
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("fmt", ["nsl-kdd", "jsonl", "text", "mbox"])
def test_a_character_device_is_refused(fmt: str) -> None:
    with pytest.raises(SourceError, match="character device"):
        _load(Path("/dev/zero"), fmt)


def test_a_symlink_loop_is_refused_by_name(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(SourceError, match="symbolic link loop"):
        load_records(a, "jsonl")
    with pytest.raises(SourceError, match="symbolic link loop"):
        load_records(a)  # the format guessed from the name


@pytest.mark.parametrize("fmt", [n for n in FORMATS.names() if not FORMATS.get(n).folders])
def test_a_directory_is_refused_by_single_file_formats(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "x.txt").write_text("hello\n")
    with pytest.raises(SourceError, match="is a directory"):
        _load(tmp_path, fmt)


def _folder_with_links(tmp_path: Path, name: str, body: str) -> Path:
    root = tmp_path / "src"
    root.mkdir()
    (root / name).write_text(body)
    outside = tmp_path / "secret" / name
    outside.parent.mkdir()
    outside.write_text(body.replace("good", "SECRET"))
    (root / f"passwd{Path(name).suffix}").symlink_to("/etc/passwd")
    (root / f"out{Path(name).suffix}").symlink_to(outside)
    (root / f"in{Path(name).suffix}").symlink_to(root / name)  # inside the folder: fine
    os.mkfifo(root / f"pipe{Path(name).suffix}")
    (root / f"loop{Path(name).suffix}").symlink_to(root / f"loop{Path(name).suffix}")
    (root / "up").symlink_to(tmp_path / "secret", target_is_directory=True)
    return root


def test_text_folder_does_not_follow_links_out_of_the_folder(tmp_path: Path) -> None:
    root = _folder_with_links(tmp_path, "doc.txt", "a good document\n")
    start = time.monotonic()
    records, report = _load(root, "text")
    assert time.monotonic() - start < 5, "the FIFO inside the folder must not be opened"
    assert sorted(Path(r.source).name for r in records) == ["doc.txt", "in.txt"]
    assert not any("root:" in r.text or "SECRET" in r.text for r in records)
    reasons = {Path(r.file).name: r.reason for r in report.rejections}
    assert set(reasons) == {"passwd.txt", "out.txt", "pipe.txt", "loop.txt"}
    assert "outside the source folder" in reasons["passwd.txt"] and "follow_symlinks" in reasons["out.txt"]
    assert "FIFO" in reasons["pipe.txt"] and "loop" in reasons["loop.txt"]
    assert report.read == 6


def test_text_folder_follows_links_when_allowed(tmp_path: Path) -> None:
    root = _folder_with_links(tmp_path, "doc.txt", "a good document\n")
    (root / "pipe.txt").unlink()
    (root / "loop.txt").unlink()
    (root / "passwd.txt").unlink()
    records, report = _load(root, "text", follow_symlinks=True)
    names = sorted(Path(r.source).name for r in records)
    assert names == ["doc.txt", "doc.txt", "in.txt", "out.txt"]  # up/doc.txt through the folder link
    assert report.rejected == 0


def test_juliet_and_eml_folders_refuse_links_out(tmp_path: Path) -> None:
    case = "#ifndef OMITBAD\nvoid CWE121_x_01_bad() { int good; }\n#endif\n"
    (tmp_path / "j").mkdir()
    root = _folder_with_links(tmp_path / "j", "CWE121_x_01.c", case)
    _, report = _load(root, "juliet")
    assert {Path(r.file).name for r in report.rejections if "outside" in r.reason} == {"passwd.c", "out.c"}
    mail = "From: a@b.example\nSubject: good\n\nhello good\n"
    (tmp_path / "e").mkdir()
    root = _folder_with_links(tmp_path / "e", "m.eml", mail)
    records, report = _load(root, "eml", label="phishing")
    assert len(records) == 2
    assert {Path(r.file).name for r in report.rejections if "outside" in r.reason} == {"passwd.eml", "out.eml"}


def test_read_bounded_names_the_file_and_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(SourceError, match=r"big\.txt is larger than the limit of 1000 bytes"):
        read_bounded(big, 1000)
    assert read_bounded(big, 2000) == b"x" * 2000
    _, report = _load(tmp_path, "text", max_bytes=1000)
    assert report.rejections[0].reason.startswith("is larger than the limit of 1000 bytes")


def test_bounded_lines_skips_an_overlong_line_without_holding_it(tmp_path: Path) -> None:
    path = tmp_path / "lines"
    path.write_bytes(b"a\n" + b"x" * 5000 + b"\nb\n" + b"y" * 10 + b"\n" + b"z" * 100)
    with path.open("rb") as fh:
        assert list(bounded_lines(fh, 100)) == [b"a\n", None, b"b\n", b"y" * 10 + b"\n", b"z" * 100]
