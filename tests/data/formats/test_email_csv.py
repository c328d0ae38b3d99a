"""email-csv: the Nazario and Enron shared files, label mapping, malformed rows."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmsec.data import FormatError, LoadReport
from llmsec.data.formats.email_csv import load_email_csv

HEADER = "sender,receiver,date,subject,body,urls,label"
ROW = ('"PayPal" <service@paypa1-secure.com>,jose@monkey.org,"Fri, 30 Oct 2015 00:00:48 -0500",'
       '"Verify your account","Dear client,\nplease log in:\nhttp://paypa1-secure.com/login",1,1')


def _load(path: Path, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(load_email_csv(path, report, **options))
    report.check()
    return records, report


@pytest.mark.integration
def test_real_nazario(shared_data: Path) -> None:
    records, report = _load(shared_data / "phishing_email" / "nazario_phishing_curated.csv")
    assert (report.read, report.loaded, report.rejected) == (1265, 1265, 0)
    assert {r.label for r in records} == {"phishing"}
    first = records[0]
    assert first.text.startswith("Subject: Verify Your Account\n\nBusiness with")
    assert first.group == "cpanel.com" and first.time == "2015-10-30T00:00:48-05:00"
    assert sum(r.time is not None for r in records) == 1264  # spreadsheet dates parse too; one is garbage


@pytest.mark.integration
def test_real_enron(shared_data: Path) -> None:
    records, report = _load(shared_data / "phishing_email" / "enron_spam_ham_subset600.csv")
    assert (report.read, report.loaded) == (475, 475)
    assert Counter(r.label for r in records) == {"legitimate": 243, "spam": 232}
    assert records[0].text.startswith("Subject: nomination change\n- - -") and "\r" not in records[0].text
    assert records[0].group is None and records[0].meta["original_label"] == "ham"


def test_multiline_body_and_named_columns(tmp_path: Path) -> None:
    path = tmp_path / "mails.csv"
    path.write_text(f"{HEADER}\n{ROW}\n")
    (record,), _ = _load(path)
    assert record.text == "Subject: Verify your account\n\nDear client,\nplease log in:\nhttp://paypa1-secure.com/login"
    assert record.group == "paypa1-secure.com" and record.label == "phishing"
    other = tmp_path / "kaggle.csv"
    other.write_text('"Email Text","Email Type"\n"win a prize now","Phishing Email"\n"lunch?","Safe Email"\n')
    records, _ = _load(other)
    assert [r.label for r in records] == ["phishing", "legitimate"]
    spam = tmp_path / "spam.csv"
    spam.write_text("msg,y\nbuy now,1\nhi,0\n")
    records, _ = _load(spam, body_column="msg", label_column="y", positive="spam")
    assert [r.label for r in records] == ["spam", "legitimate"]


def test_not_an_email_csv(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("phish_id,url\n1,http://x.org\n")
    with pytest.raises(FormatError, match="body"):
        _load(path)


KINDS = {
    "ok": ROW.encode(),
    "ham": ROW.replace(",1,1", ",1,ham").encode(),
    "empty": b'a@b.c,d@e.f,"Fri, 30 Oct 2015 00:00:48 -0500",,"   ",0,1',
    "unknown": ROW.replace(",1,1", ",1,maybe").encode(),
    "nolabel": ROW.replace(",1,1", ",1,").encode(),
    "short": b"a@b.c,d@e.f,subject only",
    "latin1": ROW.replace("Dear", "Ch\xe8re").encode("latin-1"),
    "header": HEADER.encode(),
    "baddate": ROW.replace("Fri, 30 Oct 2015 00:00:48 -0500", "yesterday").encode(),
}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(KINDS)), max_size=10))
def test_malformed_rows_always_reconcile(kinds: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.csv"
        path.write_bytes(b"\n".join([HEADER.encode()] + [KINDS[k] for k in kinds]) + b"\n")
        records, report = _load(path)
    assert report.read == len(kinds)
    assert len(records) == kinds.count("ok") + kinds.count("ham") + kinds.count("baddate")


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_after_header_never_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.csv"
        path.write_bytes(HEADER.encode() + b"\n" + data)
        _load(path)
