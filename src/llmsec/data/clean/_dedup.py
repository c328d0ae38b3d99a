"""Exact and near-duplicate removal, within one set of records and across two.

Exact duplicates share the SHA-1 of their normalised text. Near duplicates are
found with MinHash over word shingles and LSH banding. The signatures are
computed for a whole batch of documents at once with numpy, bit-for-bit those
datasketch's ``MinHash(scheme="affine32")`` gives for the same shingle hashes;
the bands are the (bands, rows) datasketch's ``MinHashLSH`` chooses, and the
band buckets are built with numpy sorts, giving the same duplicates as
querying and inserting into a ``MinHashLSH`` one document at a time (tests
check both), at a fraction of the Python calls: 100k short documents take
seconds.

Code (``code=True``) is compared as code: comments dropped and case kept for the
exact key, and for MinHash the lexed tokens with every non-keyword identifier
blinded (:func:`~llmsec.data._code_tokens.code_tokens`), so a copy with renamed
variables or functions is a near duplicate (a type-2 clone), not a new function.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Literal

import numpy as np

from .._records import Example, Record
from .._tasks import record_text
from ._code_tokens import code_tokens

logger = logging.getLogger(__name__)

DuplicateKind = Literal["exact", "near"]

# /* block */ and // line comments; a // right after ':' (a URL) or inside a quote is kept.
_CODE_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.DOTALL)


def normalize_text(text: str, *, code: bool = False) -> str:
    """The form two texts are compared in.

    Prose (``code=False``): Unicode NFKC, case-folded, every run of whitespace
    collapsed to one space, stripped. Code (``code=True``): NFKC, case kept,
    ``/* ... */`` and ``// ...`` comments removed (a heuristic: a ``//`` after
    ``:`` or a quote is kept, so URLs survive), whitespace collapsed. ``#``
    comments are kept because ``#`` also starts C preprocessor lines.
    """
    return " ".join(_words(text, code))


def _words(text: str, code: bool) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    text = _CODE_COMMENT.sub(" ", text) if code else text.casefold()
    return text.split()


def _prepared(records: Iterable[Record], code: bool) -> Iterable[tuple[bytes, list[str]]]:
    """(SHA-1 of the normalised text, the tokens MinHash shingles) for each record.

    Prose is shingled by words; code by its tokens with identifiers blinded, so renamed
    identifiers do not hide a near duplicate. The exact key is the normalised text either way.
    """
    for record in records:
        words = _words(record_text(record), code)
        text = " ".join(words)
        yield hashlib.sha1(text.encode("utf-8")).digest(), (code_tokens(text) if code else words)


def exact_key(text: str, *, code: bool = False) -> str:
    """SHA-1 hex digest of :func:`normalize_text` — equal keys are exact duplicates."""
    return hashlib.sha1(normalize_text(text, code=code).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Duplicate:
    """A removed record.

    Attributes:
        index: its position in the input it was removed from.
        of: the position of the kept record it duplicates (for :func:`dedup_across`,
            a position in the other set).
        kind: ``"exact"`` (same normalised text) or ``"near"`` (MinHash similarity).
        similarity: estimated Jaccard similarity of their shingle sets (1.0 when exact).
    """

    index: int
    of: int
    kind: DuplicateKind
    similarity: float = 1.0


@dataclass(frozen=True)
class LabelConflict:
    """A kept record and duplicates of it that carry a different label (conflicting twins).

    Attributes:
        kept: position of the kept record (in the reference set for :func:`dedup_across`).
        duplicates: positions of its removed duplicates.
        labels: the kept record's label, then each duplicate's label.
    """

    kept: int
    duplicates: tuple[int, ...]
    labels: tuple[str, ...]


@dataclass
class DedupResult:
    """What de-duplication kept and removed.

    Attributes:
        kept: the kept records, in input order.
        kept_indices: their positions in the input.
        removed: one :class:`Duplicate` per removed record, in input order.
        conflicts: duplicate groups whose labels disagree.
        read: how many records came in (``len(kept) + len(removed) == read``).
    """

    kept: list[Record]
    kept_indices: list[int]
    removed: list[Duplicate]
    conflicts: list[LabelConflict] = field(default_factory=list)
    read: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """``read``, ``kept``, ``exact``, ``near`` and ``conflicts`` counts."""
        exact = sum(d.kind == "exact" for d in self.removed)
        return {
            "read": self.read,
            "kept": len(self.kept),
            "exact": exact,
            "near": len(self.removed) - exact,
            "conflicts": len(self.conflicts),
        }

    def summary(self) -> str:
        """One line: how many were read, kept and removed as exact/near duplicates."""
        c = self.counts
        line = f"dedup: read {c['read']}, kept {c['kept']}, removed {c['exact']} exact + {c['near']} near"
        if c["conflicts"]:
            line += f"; {c['conflicts']} duplicate groups with conflicting labels"
        return line


# ----------------------------------------------------------------------------------------------
# MinHash signatures, vectorised


_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)  # MurmurHash3 finalizer, as datasketch's affine32
_CHUNK = 1 << 14  # shingles per permutation block: 128 x 16k uint32 = 8 MiB, cache friendly


def _fmix32(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX32
    h = h ^ (h >> np.uint32(s1))
    h = h * np.uint32(m1)
    h = h ^ (h >> np.uint32(s2))
    h = h * np.uint32(m2)
    return h ^ (h >> np.uint32(s3))


class _WordHashes(dict):
    """word -> CRC-32, computed once per distinct word."""

    def __missing__(self, word: str) -> int:
        value = zlib.crc32(word.encode("utf-8"))
        self[word] = value
        return value


class MinHasher:
    """Batched MinHash signatures of word-shingle sets.

    Args:
        num_perm: number of permutations (signature length).
        shingle: words per shingle; a document shorter than that is one shingle.
        seed: permutation seed (the same as datasketch's ``MinHash(seed=...)``).
    """

    def __init__(self, num_perm: int = 128, shingle: int = 5, seed: int = 1) -> None:
        if num_perm < 2 or shingle < 1:
            raise ValueError(f"need num_perm >= 2 and shingle >= 1, got {num_perm=} {shingle=}")
        from datasketch import MinHash

        self.num_perm, self.shingle, self.seed = num_perm, shingle, seed
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        self._a = np.asarray(a, dtype=np.uint32)[:, None]
        self._b = np.asarray(b, dtype=np.uint32)[:, None]
        rng = np.random.default_rng(0x5EED)
        self._mult = rng.integers(1, 2**63, shingle, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._words = _WordHashes()

    def shingle_hashes(self, docs: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """32-bit hashes of every document's shingles, concatenated, and per-document counts."""
        k = self.shingle
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        total = int(lengths.sum())
        ids = np.fromiter(
            map(self._words.__getitem__, chain.from_iterable(docs)), dtype=np.uint64, count=total
        )
        ends = np.cumsum(lengths)
        starts = ends - lengths
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        end_of = ends[doc_of]
        pos = np.arange(total)
        padded = np.concatenate([ids, np.zeros(k, dtype=np.uint64)])
        acc = np.zeros(total, dtype=np.uint64)
        short = lengths < k
        mask = bool(short.any())
        for j in range(k):
            term = padded[j : j + total] * self._mult[j]
            if j and mask:  # only a short document's one shingle may run past its end
                term[pos + j >= end_of] = 0
            acc += term
        keep = pos + k <= end_of
        if mask:
            keep |= short[doc_of] & (pos == starts[doc_of])
        acc = acc[keep]
        counts = np.bincount(doc_of[keep], minlength=len(docs))
        folded = ((acc >> np.uint64(32)) ^ acc).astype(np.uint32)
        return folded, counts

    def signatures(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """A ``(len(docs), num_perm)`` uint32 array; an empty document's row is all 0xFFFFFFFF."""
        hashes, counts = self.shingle_hashes(docs)
        return self.signatures_from_hashes(hashes, counts)

    def signatures_from_hashes(self, hashes: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Signatures of documents given their concatenated 32-bit shingle hashes and counts."""
        n = len(counts)
        sig = np.full((n, self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        if not len(hashes):
            return sig
        mixed = _fmix32(hashes.astype(np.uint32, copy=False))
        nonempty = np.flatnonzero(counts)
        seg_start = (np.cumsum(counts) - counts)[nonempty]
        for lo in range(0, len(mixed), _CHUNK):
            hi = min(lo + _CHUNK, len(mixed))
            block = mixed[lo:hi][None, :] * self._a
            block += self._b
            # documents overlapping [lo, hi): those whose segment starts before hi and ends after lo
            first = np.searchsorted(seg_start, lo, side="right") - 1
            last = np.searchsorted(seg_start, hi, side="left")
            docs = nonempty[max(first, 0) : last]
            cuts = np.maximum(seg_start[max(first, 0) : last], lo) - lo
            mins = np.minimum.reduceat(block, cuts, axis=1).T
            sig[docs] = np.minimum(sig[docs], mins)
        return sig


_BATCH = 8192  # documents per signature batch (bounds the memory held in word lists)


class _SignatureBuffer:
    """Collects word lists and turns them into signature rows a batch at a time."""

    def __init__(self, hasher: MinHasher) -> None:
        self.hasher = hasher
        self._words: list[list[str]] = []
        self._blocks: list[np.ndarray] = []

    def add(self, words: list[str]) -> None:
        self._words.append(words)
        if len(self._words) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._words:
            self._blocks.append(self.hasher.signatures(self._words))
            self._words = []

    def result(self) -> np.ndarray:
        self._flush()
        if not self._blocks:
            return np.zeros((0, self.hasher.num_perm), dtype=np.uint32)
        return np.concatenate(self._blocks)


_LSH_WEIGHTS = (0.05, 0.95)  # (false positive, false negative) weights for choosing bands


@lru_cache(maxsize=32)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) that datasketch's ``MinHashLSH`` picks for this threshold.

    Candidates are checked against the threshold afterwards, so the bands favour
    recall: weights (0.05, 0.95) give 16 bands x 8 rows at 128 permutations,
    catching 95% of pairs right at the threshold and 99% at +0.04 (datasketch's
    default (0.5, 0.5) catches 40% and 63%).
    """
    from datasketch import MinHashLSH

    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=_LSH_WEIGHTS)
    return lsh.b, lsh.r


def _band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A 64-bit key per document and band (equal bands give equal keys)."""
    mult = np.random.default_rng(0xBA4D).integers(1, 2**63, rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    keys = np.empty((len(sigs), bands), dtype=np.uint64)
    for j in range(bands):
        keys[:, j] = (sigs[:, j * rows : (j + 1) * rows].astype(np.uint64) * mult).sum(axis=1)
    return keys


def _shared_buckets(keys: np.ndarray) -> list[tuple[int, list[int]]]:
    """Each document that shares a band bucket with another: (doc, its bucket ids), docs ascending.

    This is the LSH index built at once with numpy: a document alone in all its
    buckets can neither duplicate nor be duplicated, so only the rest reach Python.
    """
    n, bands = keys.shape
    docs, buckets = [], []
    for j in range(bands):
        order = np.argsort(keys[:, j], kind="stable")
        sorted_keys = keys[order, j]
        new = np.ones(n, dtype=bool)
        new[1:] = sorted_keys[1:] != sorted_keys[:-1]
        label = np.cumsum(new) - 1
        shared = np.bincount(label)[label] > 1
        docs.append(order[shared])
        buckets.append(label[shared] + j * n)
    if not docs:
        return []
    doc = np.concatenate(docs)
    bucket = np.concatenate(buckets)
    order = np.argsort(doc, kind="stable")
    doc, bucket = doc[order], bucket[order]
    if not len(doc):
        return []
    cuts = np.flatnonzero(np.diff(doc)) + 1
    return [
        (int(d[0]), b.tolist())
        for d, b in zip(np.split(doc, cuts), np.split(bucket, cuts), strict=True)
    ]


def _near_within(sigs: np.ndarray, threshold: float, num_perm: int) -> dict[int, tuple[int, float]]:
    """Near duplicates among signature rows, first occurrence kept: {row: (kept row, similarity)}.

    Same result as querying then inserting each row into a ``MinHashLSH`` in
    order (a test checks this), without a Python call per band per document.
    """
    bands, rows = lsh_bands(threshold, num_perm)
    kept_in: dict[int, list[int]] = {}
    found: dict[int, tuple[int, float]] = {}
    for doc, buckets in _shared_buckets(_band_keys(sigs, bands, rows)):
        cands: set[int] = set()
        for b in buckets:
            cands.update(kept_in.get(b, ()))
        hit = _best(cands, sigs, sigs[doc], threshold)
        if hit is None:
            for b in buckets:
                kept_in.setdefault(b, []).append(doc)
        else:
            found[doc] = hit
    return found


def _near_across(
    ref: np.ndarray, cand: np.ndarray, threshold: float, num_perm: int
) -> dict[int, tuple[int, float]]:
    """For each candidate row, its most similar reference row at or above ``threshold``."""
    bands, rows = lsh_bands(threshold, num_perm)
    ref_keys, cand_keys = _band_keys(ref, bands, rows), _band_keys(cand, bands, rows)
    hits: dict[int, set[int]] = {}
    for j in range(bands):
        order = np.argsort(ref_keys[:, j], kind="stable")
        sorted_ref = ref_keys[order, j]
        lo = np.searchsorted(sorted_ref, cand_keys[:, j], side="left")
        hi = np.searchsorted(sorted_ref, cand_keys[:, j], side="right")
        for i in np.flatnonzero(hi > lo).tolist():
            hits.setdefault(i, set()).update(order[lo[i] : hi[i]].tolist())
    found = {}
    for i in sorted(hits):
        hit = _best(hits[i], ref, cand[i], threshold)
        if hit is not None:
            found[i] = hit
    return found


def _label(record: Record) -> str | None:
    return record.label if isinstance(record, Example) else None


def _conflicts(records: Sequence[Record], ref: Sequence[Record], removed: Iterable[Duplicate]):
    groups: dict[int, list[int]] = {}
    for dup in removed:
        groups.setdefault(dup.of, []).append(dup.index)
    out = []
    for kept, members in groups.items():
        head = _label(ref[kept])
        labels = [_label(records[i]) for i in members]
        if head is not None and any(lab is not None and lab != head for lab in labels):
            out.append(LabelConflict(kept, tuple(members), (head, *(lab or "" for lab in labels))))
    return out


def _best(candidates: Iterable[int], sigs: np.ndarray, row: np.ndarray, threshold: float):
    """The most similar candidate at or above ``threshold`` (ties: lowest index), or None."""
    cands = sorted(candidates)
    if not cands:
        return None
    sims = (sigs[cands] == row).mean(axis=1)
    best = int(np.argmax(sims))
    return (cands[best], float(sims[best])) if sims[best] >= threshold else None


def dedup(
    records: Sequence[Record],
    *,
    near: bool = True,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    code: bool = False,
) -> DedupResult:
    """Remove exact and near duplicates, keeping the first occurrence.

    Args:
        records: canonical records (their :func:`record_text` is compared).
        near: also remove near duplicates (MinHash LSH); False removes exact ones only.
        threshold: estimated Jaccard similarity of word-shingle sets at or above
            which two records are near duplicates.
        num_perm: MinHash permutations.
        shingle: words (code: tokens) per shingle.
        code: normalise as code (case kept, comments dropped; identifiers blinded for the
            near-duplicate comparison, so renamed variables still match) rather than prose.

    Returns:
        The kept records, the removed ones with what each duplicates, and
        duplicate groups whose labels conflict.
    """
    records = list(records)
    hasher = MinHasher(num_perm, shingle)
    buffer = _SignatureBuffer(hasher)
    first: dict[bytes, int] = {}
    removed: dict[int, Duplicate] = {}
    todo: list[int] = []
    for i, (key, words) in enumerate(_prepared(records, code)):
        j = first.setdefault(key, i)
        if j != i:
            removed[i] = Duplicate(i, j, "exact")
        elif near:
            todo.append(i)
            buffer.add(words)
    sigs = buffer.result()
    if len(todo) > 1:
        for pos, (of, sim) in _near_within(sigs, threshold, num_perm).items():
            removed[todo[pos]] = Duplicate(todo[pos], todo[of], "near", sim)
        for i, dup in removed.items():  # an exact copy of a record since removed as near: point past it
            target = removed.get(dup.of)
            if dup.kind == "exact" and target is not None:
                removed[i] = Duplicate(i, target.of, "near", target.similarity)
    dups = [removed[i] for i in sorted(removed)]
    kept_idx = [i for i in range(len(records)) if i not in removed]
    result = DedupResult(
        kept=[records[i] for i in kept_idx],
        kept_indices=kept_idx,
        removed=dups,
        conflicts=_conflicts(records, records, dups),
        read=len(records),
    )
    logger.info(result.summary())
    return result


def cross_duplicates(
    reference: Sequence[Record],
    candidates: Sequence[Record],
    *,
    near: bool = True,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    code: bool = False,
) -> list[Duplicate]:
    """Every candidate that duplicates a reference record (``index`` in candidates, ``of`` in reference)."""
    hasher = MinHasher(num_perm, shingle)
    ref_buffer, cand_buffer = _SignatureBuffer(hasher), _SignatureBuffer(hasher)
    ref_keys: dict[bytes, int] = {}
    for j, (key, words) in enumerate(_prepared(reference, code)):
        ref_keys.setdefault(key, j)
        if near:
            ref_buffer.add(words)
    found: dict[int, Duplicate] = {}
    todo: list[int] = []
    for i, (key, words) in enumerate(_prepared(candidates, code)):
        j = ref_keys.get(key)
        if j is not None:
            found[i] = Duplicate(i, j, "exact")
        elif near:
            todo.append(i)
            cand_buffer.add(words)
    ref_sigs, cand_sigs = ref_buffer.result(), cand_buffer.result()
    if todo and len(ref_sigs):
        for pos, (of, sim) in _near_across(ref_sigs, cand_sigs, threshold, num_perm).items():
            found[todo[pos]] = Duplicate(todo[pos], of, "near", sim)
    return [found[i] for i in sorted(found)]


def dedup_across(
    train: Sequence[Record],
    test: Sequence[Record],
    *,
    drop: Literal["test", "train"] = "test",
    near: bool = True,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    code: bool = False,
) -> DedupResult:
    """Remove from one split every record that duplicates (exactly or nearly) one in the other.

    Args:
        train: the training records.
        test: the evaluation records.
        drop: which side loses the duplicates (``"test"`` by default, so training data stays whole).
        near, threshold, num_perm, shingle, code: as for :func:`dedup`.

    Returns:
        A :class:`DedupResult` over the dropped side; each :class:`Duplicate`'s
        ``of`` is a position in the other side. Duplicates inside one side are
        left alone (use :func:`dedup` for those).
    """
    if drop not in ("test", "train"):
        raise ValueError(f"drop must be 'test' or 'train', got {drop!r}")
    ref, side = (list(train), list(test)) if drop == "test" else (list(test), list(train))
    dups = cross_duplicates(
        ref, side, near=near, threshold=threshold, num_perm=num_perm, shingle=shingle, code=code
    )
    gone = {d.index for d in dups}
    kept_idx = [i for i in range(len(side)) if i not in gone]
    result = DedupResult(
        kept=[side[i] for i in kept_idx],
        kept_indices=kept_idx,
        removed=dups,
        conflicts=_conflicts(side, ref, dups),
        read=len(side),
    )
    logger.info("across splits (dropping from %s): %s", drop, result.summary())
    return result
