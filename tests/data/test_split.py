"""Leakage-aware splits."""

from __future__ import annotations

from collections import Counter

import pytest

from llmsec.data import Document, Example
from llmsec.data.clean._split import parse_time, record_group, split_records, time_cutoff


def _examples(n: int = 200, groups: int = 40) -> list[Example]:
    return [
        Example(f"text {i}", "vulnerable" if i % 4 == 0 else "safe", group=f"proj-{i % groups}",
                time=f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}", meta={"i": i})
        for i in range(n)
    ]


def test_random_split_is_deterministic_and_stratified():
    records = _examples()
    train, test = split_records(records, by="random", test_size=0.25, seed=7)
    assert (len(train), len(test)) == (150, 50)
    again = split_records(records, by="random", test_size=0.25, seed=7)
    assert [r.meta["i"] for r in test] == [r.meta["i"] for r in again[1]]
    other = split_records(records, by="random", test_size=0.25, seed=8)
    assert [r.meta["i"] for r in test] != [r.meta["i"] for r in other[1]]
    assert Counter(r.label for r in test) == {"vulnerable": 12, "safe": 38} or Counter(
        r.label for r in test
    ) == {"vulnerable": 13, "safe": 37}
    assert {r.meta["i"] for r in train}.isdisjoint(r.meta["i"] for r in test)


def test_group_split_keeps_groups_whole():
    records = _examples()
    for stratify in (True, False):
        train, test = split_records(records, by="group", test_size=0.2, seed=1, stratify=stratify)
        assert len(train) + len(test) == 200
        assert {r.group for r in train}.isdisjoint({r.group for r in test})
        assert 0.1 <= len(test) / 200 <= 0.3
        assert {r.label for r in test} == {"safe", "vulnerable"}


def test_group_split_records_without_group_are_their_own():
    records = [Example(f"t{i}", "a" if i % 2 else "b", group=None if i % 3 else "g") for i in range(30)]
    train, test = split_records(records, by="group", test_size=0.3, seed=0, stratify=False)
    grouped = [r for r in test if r.group == "g"]
    assert len(grouped) in (0, 10)
    assert len(test) > 0 and len(train) > 0
    assert record_group(Document("x", meta={"group": "cve-1"})) == "cve-1"


def test_group_split_needs_two_groups():
    with pytest.raises(ValueError, match="share the group 'g'"):
        split_records([Example("a", "x", group="g"), Example("b", "y", group="g")], by="group")


def test_time_split_tests_on_the_latest():
    records = _examples(100)
    train, test = split_records(records, by="time", test_size=0.2)
    assert len(test) == 20
    latest_train = max(parse_time(r.time) for r in train)
    assert latest_train <= time_cutoff(test)
    assert parse_time("2023-03-17T10:00:00Z") < parse_time("2023-03-17T12:00:00+01:00".replace("+01", "+00"))


def test_time_split_names_missing_times():
    records = [*_examples(10), Example("late", "safe"), Example("later", "safe", time=" ")]
    with pytest.raises(ValueError, match="2 of 12 records have no time"):
        split_records(records, by="time")
    with pytest.raises(ValueError, match="not an ISO-8601 date"):
        split_records([Example("a", "x", time="yesterday"), Example("b", "x", time="2020-01-01")], by="time")


def test_bad_arguments():
    records = _examples(10)
    with pytest.raises(ValueError, match="test_size"):
        split_records(records, test_size=1.5)
    with pytest.raises(ValueError, match="unknown split 'cve'"):
        split_records(records, by="cve")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 2 records"):
        split_records(records[:1])


def test_documents_split_without_labels():
    docs = [Document(f"doc {i}") for i in range(10)]
    train, test = split_records(docs, test_size=0.3, seed=3)
    assert (len(train), len(test)) == (7, 3)


def test_time_split_keeps_records_of_one_moment_together():
    # 6 of 10 records share the latest date: a 20% cut must not put some of them in training.
    recs = [Example(f"t{i}", "a", time=f"2023-0{i + 1}-01") for i in range(4)]
    recs += [Example(f"late{i}", "a", time="2024-01-01") for i in range(6)]
    train, test = split_records(recs, by="time", test_size=0.2)
    assert {r.text for r in test} == {f"late{i}" for i in range(6)}
    assert max(parse_time(r.time) for r in train) < min(parse_time(r.time) for r in test)
    with pytest.raises(ValueError, match="nothing is left to train on"):
        split_records([Example(f"x{i}", "a", time="2024-01-01") for i in range(5)], by="time", test_size=0.2)


def test_ctibench_rcm_rows_are_timed_by_their_cve_year(tmp_path):
    from llmsec.data import load_records

    sheet = tmp_path / "cti-rcm.tsv"
    sheet.write_text("URL\tDescription\tPrompt\tGT\n"
                     "https://nvd.nist.gov/vuln/detail/CVE-2024-23848\tA use-after-free.\tP\tCWE-416\n")
    (record,), _ = load_records(sheet, "ctibench-rcm")
    assert record.time == "2024-01-01" and record.meta["time_source"] == "cve-id-year"
