"""eml and mbox loaders on fixtures the tests write."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmsec.data import FormatError, LoadReport
from llmsec.data.formats.email_raw import load_eml, load_mbox

PLAIN = b"""From: "IT Desk" <helpdesk@evil-mail.example.com>
To: victim@corp.example
Subject: Password expires today
Date: Fri, 30 Oct 2015 14:54:33 +0000
Message-ID: <1@evil-mail.example.com>
Content-Type: text/plain; charset=utf-8

Your password expires in 3 days.
Click here to validate: http://evil.example.com/login
"""

HTML_ALT = b"""From: Bank <alerts@bank.example.org>
Subject: Account notice
Date: Mon, 2 Nov 2015 08:00:00 -0500
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XX"

--XX
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<html><head><style>p{color:red}</style></head><body><p>Dear customer,</p><p>Caf=E9 &amp; more</p>\
<script>alert(1)</script></body></html>
--XX--
"""


def _load(loader, path: Path, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(loader(path, report, **options))
    report.check()
    return records, report


def test_single_eml(tmp_path: Path) -> None:
    path = tmp_path / "a.eml"
    path.write_bytes(PLAIN)
    (record,), _ = _load(load_eml, path, label="phishing")
    assert record.text.startswith("Subject: Password expires today\n\nYour password expires in 3 days.")
    assert record.label == "phishing" and record.group == "evil-mail.example.com"
    assert record.time == "2015-10-30T14:54:33+00:00"


def test_folder_of_eml_with_html_and_bad_files(tmp_path: Path) -> None:
    (tmp_path / "1.eml").write_bytes(PLAIN)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "2.eml").write_bytes(HTML_ALT)
    (tmp_path / "3.eml").write_bytes(b"just some words, no headers\n")
    (tmp_path / "4.eml").write_bytes(b"Subject:\nFrom: a@b.example\n\n   \n")
    (tmp_path / "notes.txt").write_text("ignored")
    records, report = _load(load_eml, tmp_path, label="legitimate")
    assert [r.group for r in records] == ["evil-mail.example.com", "bank.example.org"]
    assert records[1].text == "Subject: Account notice\n\nDear customer,\nCafé & more"
    assert [(Path(r.file).name, r.reason) for r in report.rejections] == [
        ("3.eml", "no e-mail headers"), ("4.eml", "empty text")]


def test_eml_needs_a_label_and_headers(tmp_path: Path) -> None:
    path = tmp_path / "a.eml"
    path.write_bytes(PLAIN)
    with pytest.raises(ValueError, match="label"):
        _load(load_eml, path)
    path.write_bytes(b"\x00\x01binary\xff")
    with pytest.raises(FormatError):
        _load(load_eml, path, label="spam")
    (tmp_path / "none").mkdir()
    with pytest.raises(FormatError, match=r"no \.eml files"):
        _load(load_eml, tmp_path / "none", label="spam")


def _mbox(*messages: bytes) -> bytes:
    return b"".join(b"From MAILER-DAEMON Fri Oct 30 14:54:33 2015\n" + m + b"\n" for m in messages)


def test_mbox(tmp_path: Path) -> None:
    escaped = PLAIN.replace(b"Click", b">From the desk: click")
    path = tmp_path / "phish.mbox"
    path.write_bytes(_mbox(PLAIN, HTML_ALT, b"X-Junk: 1\n\n\n", escaped))
    records, report = _load(load_mbox, path, label="phishing")
    assert len(records) == 3 and records[0].meta["source_row"] == 1
    assert "\nFrom the desk: click" in records[2].text
    assert len(report.rejections) == 1 and report.rejections[0].reason == "no e-mail headers"


def test_not_an_mbox(tmp_path: Path) -> None:
    path = tmp_path / "x.mbox"
    path.write_bytes(PLAIN)
    with pytest.raises(FormatError, match="mbox"):
        _load(load_mbox, path, label="spam")


PARTS = {
    "ok": PLAIN,
    "html": HTML_ALT,
    "latin1": PLAIN.replace(b"charset=utf-8", b"charset=utf-8").replace(b"3 days", b"3 d\xe9ys"),
    "badcharset": PLAIN.replace(b"charset=utf-8", b"charset=x-nonexistent"),
    "noheaders": b"hello there\n",
    "empty": b"From: a@b.c\n\n",
    "truncated": HTML_ALT[:200],
    "baddate": PLAIN.replace(b"Fri, 30 Oct 2015 14:54:33 +0000", b"not a date"),
}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(PARTS)), min_size=1, max_size=8))
def test_mbox_malformed_messages_reconcile(kinds: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.mbox"
        path.write_bytes(_mbox(*(PARTS[k] for k in kinds)))
        records, report = _load(load_mbox, path, label="phishing")
    assert report.read == len(kinds) and len(records) == report.loaded
    assert report.rejected == kinds.count("noheaders") + kinds.count("empty")


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for loader in (load_mbox, load_eml):
            path = Path(tmp) / "m.eml"
            path.write_bytes(data)
            with contextlib.suppress(FormatError):
                _load(loader, path, label="spam")
