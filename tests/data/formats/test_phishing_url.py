"""URL formats: PhishTank dump, plain URL list, URL feature table."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmsec.data import FormatError, LoadReport
from llmsec.data.formats.phishing_url import (
    load_phishtank,
    load_url_features,
    load_url_list,
    registered_domain,
    url_parts,
)

PT_HEADER = "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target"
PT_ROW = ("6557011,http://www.accsystemprblemhelp.site/checkpoint.htm,"
          "http://www.phishtank.com/phish_detail.php?phish_id=6557011,2020-05-09T21:54:31+00:00,yes,"
          "2020-05-09T21:55:38+00:00,yes,Facebook")


def _load(loader, path: Path, **options: object) -> tuple[list, LoadReport]:
    report = LoadReport(str(path))
    records = list(loader(path, report, **options))
    report.check()
    return records, report


def test_registered_domain_offline() -> None:
    assert registered_domain("a.b.example.co.uk") == "example.co.uk"
    assert registered_domain("192.168.1.1") == "192.168.1.1"
    assert url_parts("HTTPS://Login.PayPal.com.evil.ru:8443/x") == {
        "host": "login.paypal.com.evil.ru", "scheme": "https", "registered_domain": "evil.ru"}
    assert url_parts("example.org/path")["scheme"] == ""


@pytest.mark.integration
def test_real_phishtank(shared_data: Path) -> None:
    records, report = _load(load_phishtank, shared_data / "phishing_url" / "2.online-valid.csv")
    assert (report.read, report.loaded, report.rejected) == (11850, 11850, 0)
    assert {r.label for r in records} == {"phishing"}
    first = records[0]
    assert first.text == "http://u1047531.cp.regruhosting.ru/acces-inges-20200104-t452/3facd"
    assert first.group == "regruhosting.ru" and first.time == "2020-05-09T22:01:43+00:00"
    assert first.meta["target"] == "Other" and first.meta["phish_id"] == "6557033"
    assert Counter(r.meta["target"] for r in records)["PayPal"] == 434


@pytest.mark.integration
def test_real_benign_list(shared_data: Path) -> None:
    records, report = _load(load_url_list, shared_data / "phishing_url" / "1.Benign_list_big_final.csv")
    assert (report.read, report.loaded) == (28238, 28238)
    assert records[0].label == "benign" and records[0].group == "1337x.to"
    assert not any(r.text.endswith("\r") for r in records)


@pytest.mark.integration
def test_real_url_features(shared_data: Path) -> None:
    records, report = _load(load_url_features, shared_data / "phishing_url" / "5.urldata.csv")
    assert (report.read, report.loaded) == (10000, 10000)
    assert Counter(r.label for r in records) == {"benign": 5000, "phishing": 5000}
    assert records[0].text == "graphicriver.net" and len(records[0].meta["features"]) == 16


def test_url_list_label_option_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    path.write_bytes(b"# phishing feed\nhttp://evil.example.com/a\n\nnot a url at all\n"
                     b"http://caf\xe9.example.com/\nhttp://[::1/\nbad.example.net/ok\n")
    records, report = _load(load_url_list, path, label="phishing")
    assert [r.text for r in records] == ["http://evil.example.com/a", "bad.example.net/ok"]
    assert {r.label for r in records} == {"phishing"}
    assert [(r.line, r.reason) for r in report.rejections] == [
        (4, "not a URL (no host name): 'not a url at all'"), (5, "not valid UTF-8"),
        (6, "unparsable URL 'http://[::1/'")]


def test_phishtank_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "online-valid.csv"
    path.write_text("\n".join([PT_HEADER, PT_ROW, PT_ROW.replace("http://www.accsystemprblemhelp.site", ""),
                               PT_ROW + ",extra", PT_HEADER]) + "\n")
    records, report = _load(load_phishtank, path)
    assert len(records) == 1 and records[0].meta["target"] == "Facebook"
    assert [r.reason for r in report.rejections] == [
        "not a URL (no host name): '/checkpoint.htm'", "expected 8 columns, got 9", "repeated header row"]


@pytest.mark.parametrize("loader", [load_phishtank, load_url_features, load_url_list])
def test_not_the_format(tmp_path: Path, loader) -> None:
    path = tmp_path / "x.csv"
    path.write_text("sender,receiver,subject\na,b,c\n")
    with pytest.raises(FormatError):
        _load(loader, path)


URL_KINDS = {
    "ok": b"https://good.example.org/x?y=1",
    "bare": b"example.com",
    "spaces": b"   ",
    "text": b"hello world",
    "latin1": "http://ex\xe4mple.de/".encode("latin-1"),
    "nohost": b"http:///path",
}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(URL_KINDS)), max_size=12))
def test_url_list_malformed_lines_reconcile(kinds: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "u.txt"
        path.write_bytes(b"\n".join([URL_KINDS["ok"]] + [URL_KINDS[k] for k in kinds]) + b"\n")
        records, report = _load(load_url_list, path)
    assert report.read == 1 + len(kinds) - kinds.count("spaces")
    assert len(records) == 1 + kinds.count("ok") + kinds.count("bare")


FEAT_HEADER = "Domain,Have_IP,URL_Depth,Label"
FEAT_KINDS = {
    "ok": b"graphicriver.net,0,1,0",
    "phish": b"paypal.com.evil.ru/login,0,2,1",
    "nan": b"x.org,nan,1,0",
    "text": b"x.org,yes,1,0",
    "label": b"x.org,0,1,2",
    "nolabel": b"x.org,0,1,",
    "short": b"x.org,0",
    "latin1": b"caf\xe9.fr,0,1,0",
    "header": FEAT_HEADER.encode(),
}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(FEAT_KINDS)), max_size=12))
def test_url_features_malformed_rows_reconcile(kinds: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(b"\n".join([FEAT_HEADER.encode()] + [FEAT_KINDS[k] for k in kinds]) + b"\n")
        records, report = _load(load_url_features, path)
    assert report.read == len(kinds)
    assert len(records) == kinds.count("ok") + kinds.count("phish")


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for loader, head in ((load_phishtank, PT_HEADER.encode() + b"\n"), (load_url_list, b"")):
            path = Path(tmp) / "f.csv"
            path.write_bytes(head + data)
            try:
                _load(loader, path)
            except FormatError:
                assert loader is load_url_list
