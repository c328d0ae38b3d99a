"""The built-in demo data: loadable, clean, balanced, and leak-free between splits."""

from __future__ import annotations

import importlib.util
import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

from llmsec.data import BUILTIN_SETS, Conversation, Document, Example, builtin_path, load_records

REPO = Path(__file__).resolve().parents[2]
GENERATOR = REPO / "tools" / "make_demo_data.py"

RECORD_TYPE = {"corpus": Document, "instructions": Conversation, "vuln-code": Example}
MIN_COUNT = {
    ("corpus", "train"): 60,
    ("corpus", "test"): 15,
    ("instructions", "train"): 60,
    ("instructions", "test"): 15,
    ("vuln-code", "train"): 120,
    ("vuln-code", "test"): 40,
}
LABELS = {"vulnerable", "safe"}
LANGUAGES = {"c", "python", "javascript", "java", "php"}
GIVEAWAY = re.compile(r"vuln|bad|unsafe|fixed|secure", re.IGNORECASE)
CVE_ID = re.compile(r"\bCVE-(\d{4})-\d{4,}\b")


def _source(name: str, split: str) -> str:
    return f"builtin:{name}" if split == "train" else f"builtin:{name}/test"


def _load(name: str, split: str) -> list:
    records, report = load_records(_source(name, split))
    assert report.rejected == 0, report.summary()
    assert report.read == report.loaded == len(records)
    return records


def _text(record: object) -> str:
    if isinstance(record, Conversation):
        return "\n".join(f"{m.role}: {m.content}" for m in record.messages)
    return record.text  # type: ignore[attr-defined]


def test_every_builtin_set_is_covered() -> None:
    assert set(BUILTIN_SETS) == set(RECORD_TYPE)


@pytest.mark.parametrize(("name", "split"), sorted(MIN_COUNT))
def test_loads_cleanly_with_expected_type_and_count(name: str, split: str) -> None:
    records = _load(name, split)
    assert len(records) >= MIN_COUNT[name, split]
    assert all(type(r) is RECORD_TYPE[name] for r in records)


@pytest.mark.parametrize("name", sorted(BUILTIN_SETS))
def test_no_duplicate_texts_within_or_across_splits(name: str) -> None:
    texts = [" ".join(_text(r).split()) for split in ("train", "test") for r in _load(name, split)]
    repeated = [t[:80] for t, n in Counter(texts).items() if n > 1]
    assert not repeated


@pytest.mark.parametrize("split", ["train", "test"])
def test_corpus_documents(split: str) -> None:
    for doc in _load("corpus", split):
        assert doc.source == "llmsec-demo"
        assert doc.meta.get("topic")
        assert 60 <= len(doc.text.split()) <= 150, doc.text[:80]


@pytest.mark.parametrize("split", ["train", "test"])
def test_conversations_are_well_formed(split: str) -> None:
    for conv in _load("instructions", split):
        roles = [m.role for m in conv.messages]
        assert roles[-1] == "assistant", roles
        assert "system" not in roles[1:], roles
        turns = [r for r in roles if r != "system"]
        assert turns[0] == "user"
        assert all(a != b for a, b in itertools.pairwise(turns)), f"roles must alternate: {roles}"
        assert conv.meta.get("topic")


@pytest.mark.parametrize("name", ["corpus", "instructions"])
def test_cve_numbers_are_fictional(name: str) -> None:
    years = {m.group(1) for split in ("train", "test") for r in _load(name, split)
             for m in CVE_ID.finditer(_text(r))}
    assert years <= {"2099"}, years


@pytest.mark.parametrize("split", ["train", "test"])
def test_vuln_code_labels_are_balanced_pairs(split: str) -> None:
    examples = _load("vuln-code", split)
    labels = Counter(e.label for e in examples)
    assert set(labels) == LABELS
    for label in LABELS:
        assert labels[label] / len(examples) >= 0.4, labels
    by_group: dict[str, list[Example]] = {}
    for e in examples:
        assert e.group, e.text[:60]
        assert re.fullmatch(r"CWE-\d+", e.meta.get("cwe", "")), e.meta
        assert e.meta.get("language") in LANGUAGES, e.meta
        by_group.setdefault(e.group, []).append(e)
    for group, members in by_group.items():
        assert sorted(m.label for m in members) == ["safe", "vulnerable"], group
        assert len({(m.meta["cwe"], m.meta["language"]) for m in members}) == 1, group


def test_vuln_code_pairs_do_not_straddle_splits() -> None:
    train = {e.group for e in _load("vuln-code", "train")}
    test = {e.group for e in _load("vuln-code", "test")}
    assert not train & test


@pytest.mark.parametrize("split", ["train", "test"])
def test_vuln_code_has_no_label_giveaways(split: str) -> None:
    for e in _load("vuln-code", split):
        hit = GIVEAWAY.search(e.text)
        assert hit is None, f"{e.group} ({e.label}) contains {hit.group()!r}"
        assert 5 <= len(e.text.splitlines()) <= 25, e.group


def test_files_match_their_generator() -> None:
    if not GENERATOR.is_file():
        pytest.skip(f"generator not found at {GENERATOR}")
    spec = importlib.util.spec_from_file_location("make_demo_data", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    demo_dir = builtin_path("builtin:corpus").parent
    assert module.main(["--check", "--out", str(demo_dir)]) == 0
