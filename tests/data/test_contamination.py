"""Train/test contamination check."""

from __future__ import annotations

import json
import random

from llmsec.data import Example
from llmsec.data.clean._contamination import check_contamination
from llmsec.data.clean._split import split_records

WORDS = [f"w{i}" for i in range(3000)]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=80))


def test_clean_sets_report_nothing():
    rng = random.Random(0)
    train = [Example(_text(rng), "a", group=f"g{i}") for i in range(50)]
    test = [Example(_text(rng), "a", group=f"h{i}") for i in range(20)]
    report = check_contamination(train, test)
    assert report.clean and report.fraction == 0.0
    assert report.to_dict()["contaminated"] == 0
    assert "0 of 20 test records (0.0%)" in report.summary()


def test_exact_near_and_group_overlap():
    rng = random.Random(1)
    train_texts = [_text(rng) for _ in range(60)]
    train = [Example(t, "a", group=f"proj{i}") for i, t in enumerate(train_texts)]
    edited = train_texts[5].split()
    edited[40] = "patched"
    test = [
        Example("  " + train_texts[2].upper(), "a", group="new1"),  # exact
        Example(" ".join(edited), "a", group="new2"),  # near
        Example(_text(rng), "a", group="proj9"),  # shared group
        Example(_text(rng), "a", group="new3"),  # clean
    ]
    report = check_contamination(train, test)
    assert [(d.index, d.of) for d in report.exact] == [(0, 2)]
    assert [(d.index, d.of) for d in report.near] == [(1, 5)]
    assert report.shared_groups == ["proj9"] and report.group_overlap == [2]
    assert report.contaminated == [0, 1, 2] and report.fraction == 0.75
    data = json.loads(json.dumps(report.to_dict()))
    assert data["examples"][0]["kind"] == "exact" and data["examples"][1]["train_index"] == 5
    text = report.summary()
    assert "3 of 4 test records (75.0%)" in text and "proj9" in text and "test[1] ~ train[5]" in text
    exact_only = check_contamination(train, test, near=False)
    assert exact_only.near == [] and exact_only.contaminated == [0, 2]


def test_group_split_is_clean_of_shared_groups_but_random_is_not():
    rng = random.Random(2)
    records = [Example(_text(rng), "a" if i % 2 else "b", group=f"p{i % 15}") for i in range(150)]
    train, test = split_records(records, by="group", seed=0)
    assert check_contamination(train, test, near=False).shared_groups == []
    train, test = split_records(records, by="random", seed=0)
    assert check_contamination(train, test, near=False).fraction > 0.5
