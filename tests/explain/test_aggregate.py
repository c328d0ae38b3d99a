"""Aggregation of token scores to lines, words and header fields, URL parts and flow features."""

from __future__ import annotations

import pytest

from llmsec.data.formats.flow_text import serialize_flow
from llmsec.explain import choose_unit, email_fields, feature_units, line_units, url_units, word_units
from llmsec.explain._aggregate import aggregate, assign_tokens, rank

CODE = "void f(char *s)\n{\n    char b[8];\n    strcpy(b, s);\n\n}"


def test_lines_cover_text_with_offsets() -> None:
    units = line_units(CODE)
    assert [u.name for u in units] == ["1", "2", "3", "4", "5", "6"]
    for u in units:
        assert CODE[u.start:u.end] == u.text
    assert units[3].text == "    strcpy(b, s);"


def test_tokens_map_to_their_lines_with_tokenizer_offsets(tiny_bert_dir) -> None:
    from transformers import AutoTokenizer

    from llmsec.explain._windows import encode

    enc = encode(AutoTokenizer.from_pretrained(tiny_bert_dir), CODE)
    units = line_units(CODE)
    owners = assign_tokens(CODE, enc.offsets, units)
    assert len(owners) == len(enc.ids) > 10
    for (a, b), owner in zip(enc.offsets, owners, strict=True):
        assert owner is not None, CODE[a:b]
        assert units[owner].start <= a and b <= units[owner].end + 1
    strcpy = [owners[i] for i, (a, b) in enumerate(enc.offsets) if CODE[a:b] in ("strcpy", "str", "cpy", "##cpy")]
    assert strcpy and set(strcpy) == {3}  # line 4 (0-based unit 3)
    # scores placed on line 4's tokens make line 4 the top line; blank line 5 has no tokens
    scores = [1.0 if o == 3 else 0.01 for o in owners]
    aggregate(CODE, enc.offsets, scores, units)
    assert rank(units, 1)[0].name == "4"
    assert units[4].tokens == [] and units[4].score == 0.0
    assert sum(len(u.tokens) for u in units) == len(enc.ids)


def test_whitespace_only_tokens_belong_to_no_unit() -> None:
    text = "a\n  b"
    units = line_units(text)
    assert assign_tokens(text, [(0, 1), (1, 4), (4, 5)], units) == [0, None, 1]


def test_url_parts() -> None:
    url = "https://user@login.secure-paypal.example.co.uk:8443/signin/verify.php?acct=1&x=2#top"
    parts = {u.name: u.text for u in url_units(url)}
    assert parts == {
        "scheme": "https://", "userinfo": "user@", "subdomain": "login.secure-paypal.",
        "domain": "example.co.uk", "port": ":8443", "path": "/signin/verify.php", "query": "?acct=1&x=2",
        "fragment": "#top",
    }
    for u in url_units(url):
        assert url[u.start:u.end] == u.text
    bare = {u.name: u.text for u in url_units("paypal.com.evil.ru/login")}
    assert bare == {"subdomain": "paypal.com.", "domain": "evil.ru", "path": "/login"}
    with pytest.raises(ValueError, match="not a URL"):
        url_units("just some words")


def test_flow_features() -> None:
    flow = serialize_flow({"proto": "tcp", "service": "http", "dur": 0.12, "sbytes": 496.0})
    units = feature_units(flow)
    assert [u.name for u in units] == ["proto", "service", "dur", "sbytes"]
    assert [u.text for u in units] == ["proto=tcp", "service=http", "dur=0.12", "sbytes=496"]
    with pytest.raises(ValueError, match="name=value"):
        feature_units("hello world")


def test_email_words_and_header_fields() -> None:
    mail = "Subject: Verify your account now\nFrom: support@paypa1.com\n\nClick here to keep access."
    fields = email_fields(mail)
    assert [f.name for f in fields] == ["Subject", "From", "body"]
    assert fields[0].text == "Subject: Verify your account now"
    assert fields[2].text == "Click here to keep access."
    words = word_units(mail)
    assert words[0].text == "Subject:" and words[-1].text == "access."
    assert email_fields("no headers here\nat all") == []


@pytest.mark.parametrize(("text", "task", "unit"), [
    ("http://paypal.com.evil.ru/login?x=1", None, "url"),
    ("proto=tcp service=http dur=0.12 sbytes=496", None, "feature"),
    ("Subject: hi\n\nbody text", None, "word"),
    (CODE, None, "line"),
    ("a plain sentence about a refund", None, "word"),
    ("int x = 1;", "vuln-detect", "line"),
    ("example.com", "phishing-url", "url"),
    ("Dear user, your mailbox is full", "phishing-email", "word"),
])
def test_auto_unit(text: str, task: str | None, unit: str) -> None:
    assert choose_unit(text, "auto", task) == unit


def test_unknown_unit_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown unit 'sentence'"):
        choose_unit("x", "sentence")
