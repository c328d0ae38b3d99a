"""Exact and near-duplicate removal."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash

from llmsec.data import Document, Example
from llmsec.data.clean._dedup import MinHasher, dedup, dedup_across, exact_key, normalize_text

WORDS = [f"tok{i}" for i in range(5000)]


def _doc(rng: random.Random, n: int = 120) -> str:
    return " ".join(rng.choices(WORDS, k=n))


def _edit(text: str, rng: random.Random, changes: int = 1) -> str:
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = "CHANGED"
    return " ".join(words)


def test_normalize_prose_and_code():
    assert normalize_text("  Buffer\tOVERFLOW\n in  ﬁle ") == "buffer overflow in file"
    code = "int x = 1; /* FLAW: here */\nint y; // note\nurl = \"http://a.b\";"
    assert normalize_text(code, code=True) == 'int x = 1; int y; url = "http://a.b";'
    assert exact_key("A  b") == exact_key("a b") != exact_key("a c")


def test_signatures_match_datasketch_bit_for_bit():
    hasher = MinHasher(num_perm=64, shingle=3)
    docs = [["a", "b", "c", "d", "e"], ["x"], [], ["p", "q", "r"], ["lorem", "ipsum", "dolor", "sit", "amet"] * 9]
    sigs = hasher.signatures(docs)
    hashes, counts = hasher.shingle_hashes(docs)
    assert counts.tolist() == [3, 1, 0, 1, 43]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    for d in range(len(docs)):
        ref = MinHash(num_perm=64, seed=1, scheme="affine32", hashfunc=lambda x: x)
        ref.update_batch([int(h) for h in hashes[offsets[d] : offsets[d + 1]]])
        assert np.array_equal(ref.hashvalues, sigs[d])


def test_signatures_across_chunk_boundaries():
    """A document spanning several permutation blocks gets the same signature as alone."""
    rng = random.Random(3)
    big = _doc(rng, 40_000).split()
    hasher = MinHasher()
    together = hasher.signatures([["a"] * 7, big, ["b", "c"]])
    assert np.array_equal(together[1], hasher.signatures([big])[0])
    assert np.array_equal(together[2], hasher.signatures([["b", "c"]])[0])


def test_estimated_jaccard_tracks_true_jaccard():
    rng = random.Random(0)
    hasher = MinHasher(num_perm=256, shingle=1)
    errors = []
    for _ in range(20):
        common = rng.sample(WORDS, 300)
        a = common + [f"a{i}" for i in range(100)]
        b = common + [f"b{i}" for i in range(100)]
        sig = hasher.signatures([a, b])
        errors.append(abs((sig[0] == sig[1]).mean() - 300 / 500))
    assert np.mean(errors) < 0.03


def test_dedup_exact_near_and_stable():
    rng = random.Random(1)
    base = [_doc(rng) for _ in range(50)]
    records = [Document(t) for t in base]
    records.append(Document(base[3].upper()))  # exact after normalisation
    records.append(Document(_edit(base[7], rng)))  # near
    records.append(Document(_edit(base[7], rng)))  # near (again of 7, not of 51)
    records.append(Document(_doc(rng)))  # new
    result = dedup(records)
    assert result.kept_indices == [*range(50), 53]
    assert [(d.index, d.of, d.kind) for d in result.removed] == [
        (50, 3, "exact"),
        (51, 7, "near"),
        (52, 7, "near"),
    ]
    assert result.removed[1].similarity >= 0.8
    assert result.counts == {"read": 54, "kept": 51, "exact": 1, "near": 2, "conflicts": 0}
    assert "removed 1 exact + 2 near" in result.summary()


def test_dedup_exact_only_and_threshold():
    rng = random.Random(2)
    text = _doc(rng, 40)
    records = [Document(text), Document(_edit(text, rng, changes=3))]
    assert dedup(records, near=False).counts["kept"] == 2
    assert dedup(records, threshold=0.99).counts["kept"] == 2
    assert dedup(records, threshold=0.4).counts["near"] == 1


def test_dedup_distinct_documents_all_kept():
    rng = random.Random(4)
    records = [Document(_doc(rng, rng.randint(1, 30))) for _ in range(2000)] + [Document(""), Document(" ")]
    result = dedup(records)
    assert result.counts["near"] == 0
    assert result.counts["exact"] == 1  # the two empty texts


def test_label_conflicts_reported():
    rng = random.Random(5)
    text = _doc(rng)
    records = [
        Example(text, "vulnerable"),
        Example(_doc(rng), "safe"),
        Example(text, "safe"),
        Example(_edit(text, rng), "vulnerable"),
    ]
    result = dedup(records)
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert (conflict.kept, conflict.duplicates) == (0, (2, 3))
    assert conflict.labels == ("vulnerable", "safe", "vulnerable")


def test_dedup_across_drops_from_test():
    rng = random.Random(6)
    train_texts = [_doc(rng) for _ in range(100)]
    train = [Example(t, "x") for t in train_texts]
    test = [
        Example(train_texts[10], "x"),
        Example(_doc(rng), "x"),
        Example(_edit(train_texts[20], rng), "y"),
        Example(_doc(rng), "x"),
    ]
    result = dedup_across(train, test)
    assert result.kept_indices == [1, 3]
    assert [(d.index, d.of, d.kind) for d in result.removed] == [(0, 10, "exact"), (2, 20, "near")]
    assert [(c.kept, c.duplicates) for c in result.conflicts] == [(20, (2,))]
    other = dedup_across(train, test, drop="train")
    assert sorted(d.index for d in other.removed) == [10, 20]
    assert dedup_across(train, test, near=False).counts["exact"] == 1
    with pytest.raises(ValueError, match="drop must be"):
        dedup_across(train, test, drop="both")  # type: ignore[arg-type]


@pytest.mark.integration
def test_dedup_real_nvd_descriptions(shared_data):
    import json

    feed = json.loads((shared_data / "cve_text" / "nvdcve-1.1-recent_2023-03.json").read_text())
    texts = [it["cve"]["description"]["description_data"][0]["value"] for it in feed["CVE_Items"]]
    records = [Document(t) for t in texts] + [Document(t + " (updated)") for t in texts[:50] if len(t) > 400]
    result = dedup(records)
    planted = len(records) - len(texts)
    assert result.counts["read"] == len(records)
    # every planted near copy is caught, pointing at its original
    caught = {d.index: d.of for d in result.removed if d.index >= len(texts)}
    assert len(caught) == planted
    assert all(texts[of] in records[i].text for i, of in caught.items())


def _datasketch_reference(records, threshold=0.8, num_perm=128):
    """The plain way: query then insert each document into a datasketch MinHashLSH."""
    from datasketch import LeanMinHash, MinHashLSH

    from llmsec.data.clean._dedup import lsh_bands

    hasher = MinHasher(num_perm)
    sigs = hasher.signatures([normalize_text(r.text).split() for r in records])
    bands, rows = lsh_bands(threshold, num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=(bands, rows))
    removed = {}
    for i, row in enumerate(sigs):
        lean = LeanMinHash(seed=1, hashvalues=row, scheme="affine32")
        cands = sorted(lsh.query(lean))
        sims = [(sigs[c] == row).mean() for c in cands]
        best = max(range(len(cands)), key=lambda k: (sims[k], -cands[k]), default=None)
        if best is not None and sims[best] >= threshold:
            removed[i] = cands[best]
        else:
            lsh.insert(i, lean)
    return removed


def test_banding_matches_datasketch_lsh():
    rng = random.Random(9)
    texts = []
    for i in range(1500):
        if texts and rng.random() < 0.3:
            texts.append(_edit(rng.choice(texts), rng, changes=rng.randint(1, 4)))
        else:
            texts.append(_doc(rng, rng.randint(30, 150)) + f" doc{i}")
    records = [Document(t) for t in texts]
    ours = {d.index: d.of for d in dedup(records).removed}
    assert len(ours) > 100
    assert ours == _datasketch_reference(records)
