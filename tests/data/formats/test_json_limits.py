"""One malformed JSON object costs that object; nesting depth is bounded for JSON and MIME."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from llmsec.data._report import LoadReport
from llmsec.data.formats import FormatError, iter_records
from llmsec.data.formats._source import MAX_JSON_DEPTH, MAX_MIME_DEPTH, json_depth_error


def _load(path: Path, fmt: str, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(iter_records(path, fmt, report, **options))
    report.check()
    return records, report


def _technique(n: int, **extra: object) -> dict:
    obj = {
        "type": "attack-pattern", "id": f"attack-pattern--{n}", "name": f"Tech {n}",
        "description": f"Adversaries do thing {n}.",
        "external_references": [{"source_name": "mitre-attack", "external_id": f"T{1000 + n}"}],
    }
    obj.update(extra)
    return obj


def _deep(levels: int) -> object:
    value: object = "x"
    for _ in range(levels):
        value = {"a": [value]}
    return value


def test_one_malformed_stix_object_rejects_only_that_object(tmp_path: Path) -> None:
    objects = [
        _technique(1),
        _technique(2, id=["not", "a", "string"]),  # unhashable id: was a TypeError for the whole bundle
        {"type": "relationship", "relationship_type": "mitigates", "source_ref": ["x"], "target_ref": {}},
        {"type": "course-of-action", "id": "course-of-action--1", "external_references": 5},
        "a string where an object belongs",
        {"no": "type"},
        _technique(3, x_mitre_platforms=7),
        _technique(4, x_deep=_deep(MAX_JSON_DEPTH + 5)),
        _technique(5),
    ]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}))
    records, report = _load(path, "attack-stix")
    assert [r.meta["technique_id"] for r in records] == ["T1001", "T1002", "T1005"]
    reasons = [r.reason for r in report.rejections]
    assert reasons[0] == "malformed STIX object (not a JSON object) at objects[4]"
    assert reasons[1] == "malformed STIX object (no string 'type') at objects[5]"
    assert reasons[2].startswith("malformed object at objects[6] (TypeError")
    assert reasons[3] == f"JSON nested deeper than {MAX_JSON_DEPTH} levels (limit MAX_JSON_DEPTH) at objects[7]"
    assert report.read == 7


def test_json_depth_is_measured_without_recursion() -> None:
    assert json_depth_error(_deep(10)) is None
    assert json_depth_error(_deep(5000), 100) is not None  # deeper than Python's recursion limit
    assert json_depth_error([[[1]]], 3) is None and json_depth_error([[[[1]]]], 3) is not None


def test_jsonl_deep_lines_are_rejected_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    lines = [
        json.dumps({"text": "fine", "label": "a"}),
        json.dumps({"text": "deep", "label": "a", "meta": _deep(MAX_JSON_DEPTH + 1)}),
        '{"a":' + "[" * 100_000 + "]" * 100_000 + "}",  # past the parser's own recursion limit
        json.dumps({"text": "fine too", "label": "b"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    records, report = _load(path, "jsonl")
    assert [r.text for r in records] == ["fine", "fine too"]
    assert [r.line for r in report.rejections] == [2, 3]
    assert all("nested deeper" in r.reason for r in report.rejections)
    assert report.lines == 4


def _nested_mime(levels: int) -> bytes:
    body = "Content-Type: text/plain\n\nhello\n"
    for i in range(levels):
        b = f"b{i}"
        body = f'Content-Type: multipart/mixed; boundary="{b}"\n\n--{b}\n{body}\n--{b}--\n'
    return ("From: a@b.example\nSubject: deep\nMIME-Version: 1.0\n" + body).encode()


def test_mime_nesting_is_bounded(tmp_path: Path) -> None:
    ok, deep = tmp_path / "ok.eml", tmp_path / "deep.eml"
    ok.write_bytes(_nested_mime(3))
    deep.write_bytes(_nested_mime(MAX_MIME_DEPTH + 5))
    records, report = _load(tmp_path, "eml", label="phishing")
    assert [Path(r.meta["source_file"]).name for r in records] == ["ok.eml"]
    assert "hello" in records[0].text
    assert [(Path(r.file).name, r.reason) for r in report.rejections] == [
        ("deep.eml", f"MIME multiparts nested deeper than {MAX_MIME_DEPTH} levels (limit MAX_MIME_DEPTH)")]


def test_mbox_with_a_deep_message_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "box.mbox"
    msgs = [_nested_mime(1), _nested_mime(1000), _nested_mime(2)]
    path.write_bytes(b"".join(b"From x@y Mon Jan  1 00:00:00 2024\n" + m + b"\n" for m in msgs))
    start = time.monotonic()
    records, report = _load(path, "mbox", label="spam")
    assert time.monotonic() - start < 3, "refused before the (quadratic) parse"
    assert len(records) == 2 and report.rejected == 1
    assert report.rejections[0].reason == "more than 100 multipart parts (1000; limit MAX_MIME_MULTIPARTS)"


def test_json_documents_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import llmsec.data.formats._jsonstream as js

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FormatError, match="recursion limit"):
        _load(deep, "seceval")
    path = tmp_path / "seceval.json"
    path.write_text(json.dumps([{"question": "q" * 5000, "choices": ["a", "b"], "answer": "A"}]))
    monkeypatch.setattr(js, "MAX_FILE_BYTES", 1000)
    with pytest.raises(FormatError, match="longer than 1000 characters"):
        _load(path, "seceval")


def test_a_streamed_array_item_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import llmsec.data.formats._jsonstream as js

    monkeypatch.setattr(js, "MAX_ITEM_CHARS", 1 << 20)
    path = tmp_path / "feed.json"
    path.write_text('{"CVE_Items": [{"x": "' + "a" * (4 << 20) + '"}]}')
    with pytest.raises(FormatError, match="longer than 1048576 characters"):
        _load(path, "nvd")
    path.write_text('{"CVE_Items": [' + "[" * 100_000 + "]" * 100_000 + "]}")
    with pytest.raises(FormatError, match="recursion limit"):
        _load(path, "nvd")


def test_json_lines_sources_are_bounded_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "devign.jsonl"
    good = json.dumps({"func": "int f() { return 0; }", "target": 0, "project": "p", "commit_id": "c"})
    deep = '{"func": "x", "target": 1, "a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path.write_text("\n".join([good, deep, good]) + "\n")
    report = LoadReport(str(path))
    from llmsec.data.formats._jsonstream import iter_json_lines

    assert [n for n, _ in iter_json_lines(path, report)] == [1, 3]
    assert report.lines == 3 and "recursion limit" in report.rejections[0].reason


def test_a_deep_item_in_a_json_array_costs_only_itself(tmp_path: Path) -> None:
    items = [
        {"id": "1", "question": "q1", "choices": ["A: a", "B: b"], "answer": "A"},
        {"id": "2", "question": "q2", "choices": ["A: a", "B: b"], "answer": "A", "topics": _deep(MAX_JSON_DEPTH)},
        {"id": "3", "question": "q3", "choices": ["A: a", "B: b"], "answer": "B"},
    ]
    path = tmp_path / "seceval.json"
    path.write_text(json.dumps(items))
    records, report = _load(path, "seceval")
    assert [r.question for r in records] == ["q1", "q3"]
    assert [(r.line, r.reason) for r in report.rejections] == [
        (2, f"JSON nested deeper than {MAX_JSON_DEPTH} levels (limit MAX_JSON_DEPTH)")]


def test_a_gzip_bomb_source_stops_while_streaming(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "feed.json.gz"
    path.write_bytes(gzip.compress(b'{"CVE_Items": [' + b" " * (16 << 20) + b"]}", compresslevel=9))  # ~16 KiB
    start = time.monotonic()
    with pytest.raises(FormatError, match="gzip bomb"):
        _load(path, "nvd")
    lines = tmp_path / "lines.jsonl.gz"
    lines.write_bytes(gzip.compress(b'{"func": "' + b"x" * (16 << 20) + b'", "target": 0}\n', compresslevel=9))
    with pytest.raises(FormatError, match="gzip bomb"):
        _load(lines, "codexglue-defect")
    assert time.monotonic() - start < 10
