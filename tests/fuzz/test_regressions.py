"""Inputs the fuzzer found, reduced: each one a traceback, an undocumented error or a hang before its fix."""

from __future__ import annotations

import gzip
import json

import fuzzkit as fk
import pytest

from llmsec.data.formats.vuln_code import function_name


def _run(sandbox: fk.Sandbox, fmt: str, files: dict[str, bytes], target: str, **options: object) -> fk.Outcome:
    seed = fk.Seed("regression", files, target, target, dict(options))
    return sandbox.run(fmt, seed, files[target])


def test_cicflowmeter_header_with_many_repeated_names_is_linear(sandbox: fk.Sandbox) -> None:
    # A header of 200,000 columns all named "1": renaming the copies was cubic (minutes).
    header = b"Flow Duration,Label," + b"1," * 200_000 + b"1\n"
    out = _run(sandbox, "cic-ids2017", {"x.csv": header + b"5,BENIGN\n"}, "x.csv")
    assert out.kind == fk.OK and out.rejected == 1, out


def test_function_name_of_a_huge_identifier_is_linear(sandbox: fk.Sandbox) -> None:
    # One 1 MB "identifier" and no "(": the name regex backtracked from every position.
    line = json.dumps({"func": "A" * (1 << 20), "target": 1, "project": "p", "commit_id": "c"}).encode()
    out = _run(sandbox, "codexglue-defect", {"train.jsonl": line + b"\n"}, "train.jsonl")
    assert out.kind == fk.OK and out.loaded == 1, out


def test_function_name_still_finds_names() -> None:
    assert function_name("int Foo::bar(int x) const {") == "Foo::bar"
    assert function_name("static void ~Node (void) {") == "~Node"
    assert function_name("if (x) while(y) int run_it(void)") == "run_it"
    assert function_name("no call here {") is None


def _bad_gzip(data: bytes) -> bytes:
    packed = bytearray(gzip.compress(data, mtime=0))
    packed[len(packed) // 2] ^= 0xFF  # corrupt the deflate stream
    return bytes(packed)


DOC = json.dumps({"CVE_Items": [{"cve": {}}] * 50}).encode()
LINE = json.dumps({"func": "int f(void) { return 0; }", "target": 0, "project": "p"}).encode() + b"\n"


@pytest.mark.parametrize(("fmt", "name", "data"), [
    ("nvd", "feed.json.gz", _bad_gzip(DOC)),                       # streamed document (_Reader)
    ("cybermetric", "q.json.gz", _bad_gzip(json.dumps({"questions": [{}] * 50}).encode())),  # whole document
    ("codexglue-defect", "t.jsonl.gz", _bad_gzip(LINE * 50)),      # JSON lines
    ("codexglue-defect", "t.jsonl.gz", gzip.compress(LINE * 50, mtime=0)[:-12]),  # truncated gzip
    ("cwe-xml", "cwec.xml.gz", _bad_gzip(fk.CWE_XML)),               # XML
    ("cwe-xml", "cwec.xml.gz", b"\x1f\x8b" + b",x"),                 # gzip magic, then junk
])
def test_corrupt_gzip_is_a_format_error(sandbox: fk.Sandbox, fmt: str, name: str, data: bytes) -> None:
    out = _run(sandbox, fmt, {name: data}, name)
    assert out.kind == fk.ERROR, out


@pytest.mark.parametrize("header", [
    b'From: "' + b'"' * 200_000,   # the stdlib address parser is quadratic in quotes (minutes)
    b"From: " + b"\\" * 200_000,  # ... and in backslashes
    b"From: " + b"(" * 5_000,       # nested comments: RecursionError
    b"Subject: hi\nDate: " + b"(" * 5_000,  # (a long header llmsec parses is rejected)
    b"From: " + b"(" * 1_500,       # short enough to parse, deep enough to recurse
])
def test_hostile_email_header_is_a_rejected_message(sandbox: fk.Sandbox, header: bytes) -> None:
    msg = header + b"\nSubject: hi\n\nbody\n"
    for fmt, name, data in (("eml", "m.eml", msg), ("mbox", "m.mbox", b"From a@b Thu Jan  1 00:00:00 2015\n" + msg)):
        out = _run(sandbox, fmt, {name: data}, name, label="phishing")
        assert out.kind == fk.OK and (out.loaded, out.rejected) == (0, 1), (fmt, out)


def test_a_file_read_whole_does_not_reserve_the_size_limit() -> None:
    # read_bounded read fh.read(limit + 1): a 1 GiB buffer for every small file, so any
    # 20-byte text file failed under a 256 MiB address-space budget (ulimit -v).
    with fk.Sandbox(timeout=10.0, memory_mb=256) as box:
        out = _run(box, "text", {"notes.md": b"# a small document\n"}, "notes.md")
    assert out.kind == fk.OK and out.loaded == 1, out


def test_huge_header_inside_a_mime_part_is_a_rejected_message(sandbox: fk.Sandbox) -> None:
    # The feed parser reads each part's Content-Type with the quadratic header parser.
    part = b'Content-Type: text/plain; name="' + b'"' * 200_000 + b'"\n\nhello\n'
    msg = (b'From: a@b.example\nSubject: hi\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n'
           b"--B\n" + part + b"--B--\n")
    out = _run(sandbox, "mbox", {"m.mbox": b"From a@b Thu Jan  1 00:00:00 2015\n" + msg}, "m.mbox", label="spam")
    assert out.kind == fk.OK and (out.loaded, out.rejected) == (0, 1), out
