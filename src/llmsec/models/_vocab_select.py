"""Choose the new tokens that most shorten a corpus under a base tokenizer.

Candidates come from a BPE or WordPiece model trained with the ``tokenizers``
library on the corpus's whitespace words (a byte-level word keeps its leading
space, so `` CVE-2021-`` is one candidate). Each candidate is scored by how
many tokens it saves over the corpus, and the best are chosen greedily, with
every gain recomputed exactly against the tokens already chosen (lazy greedy):
a candidate that mostly overlaps a chosen one loses its gain and is passed over.

The count simulates what the Hugging Face fast tokenizer does with added
tokens: they are matched first, leftmost-longest, in the (normalized) text,
and the pieces between matches are tokenized by the base tokenizer on their own.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

logger = logging.getLogger(__name__)

Kind = Literal["byte-level", "wordpiece"]
Method = Literal["auto", "bpe", "wordpiece"]
METHODS: tuple[str, ...] = ("auto", "bpe", "wordpiece")

_BYTE_UNIT = re.compile(r" ?\S+")
_MAX_TOKEN_CHARS = 32


class VocabularyError(ValueError):
    """A vocabulary extension that cannot be done as asked (the message says why and how to fix it)."""


@dataclass(frozen=True)
class Selection:
    """The chosen tokens, in order of choice, with what each saves over the corpus."""

    tokens: list[str]
    savings: list[int]
    corpus_tokens: int
    candidates: int

    @property
    def saved(self) -> int:
        """Corpus tokens saved by all chosen tokens together (estimated by the word-level simulation)."""
        return sum(self.savings)


def require_fast(tokenizer: Any) -> Any:
    """The Rust ``tokenizers.Tokenizer`` behind a fast tokenizer; a clear error for a slow one."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if not getattr(tokenizer, "is_fast", False) or backend is None:
        raise VocabularyError(
            f"{type(tokenizer).__name__} is a slow (pure Python) tokenizer: vocabulary extension needs a "
            "fast tokenizer backed by the Rust `tokenizers` library (is_fast=True). Load it with "
            "AutoTokenizer.from_pretrained(path) (use_fast is the default), or convert it to a "
            "tokenizer.json first."
        )
    return backend


def plain_backend(tokenizer: Any) -> Any:
    """A copy of the Rust tokenizer without padding or truncation, for counting tokens."""
    from tokenizers import Tokenizer

    backend = Tokenizer.from_str(require_fast(tokenizer).to_str())
    backend.no_padding()
    backend.no_truncation()
    return backend


def tokenizer_kind(tokenizer: Any) -> Kind:
    """``"byte-level"`` (GPT-2 / Llama-3 / SmolLM2 style BPE) or ``"wordpiece"`` (BERT style).

    Raises:
        VocabularyError: a slow tokenizer, or a fast one of another kind.
    """
    backend = require_fast(tokenizer)
    spec = json.loads(backend.to_str())
    model = (spec.get("model") or {}).get("type")
    if model == "WordPiece":
        return "wordpiece"
    if model == "BPE" and (_has_type(spec.get("pre_tokenizer"), "ByteLevel") or
                           _has_type(spec.get("decoder"), "ByteLevel")):
        return "byte-level"
    pre = (spec.get("pre_tokenizer") or {}).get("type")
    raise VocabularyError(
        f"cannot extend a {model} tokenizer with pre-tokenizer {pre}: supported are byte-level BPE "
        "(GPT-2, Llama-3, SmolLM2, Qwen style) and WordPiece (BERT style) fast tokenizers"
    )


def _has_type(node: Any, name: str) -> bool:
    if isinstance(node, dict):
        return node.get("type") == name or any(_has_type(v, name) for v in node.values())
    if isinstance(node, list):
        return any(_has_type(v, name) for v in node)
    return False


def normalize_texts(tokenizer: Any, texts: Iterable[str]) -> list[str]:
    """The texts as the tokenizer's normalizer leaves them (added tokens are matched there)."""
    normalizer = require_fast(tokenizer).normalizer
    if normalizer is None:
        return [t for t in texts if t and not t.isspace()]
    return [n for n in (normalizer.normalize_str(t) for t in texts if t) if n and not n.isspace()]


def word_units(texts: Iterable[str], kind: Kind) -> Counter[str]:
    """Whitespace words with their counts; byte-level words keep one leading space."""
    units: Counter[str] = Counter()
    for text in texts:
        units.update(_BYTE_UNIT.findall(text) if kind == "byte-level" else text.split())
    return units


def train_candidates(units: Counter[str], method: Literal["bpe", "wordpiece"], *, size: int,
                     min_frequency: int) -> list[str]:
    """The vocabulary of a BPE or WordPiece model trained on the words (continuation ``##`` pieces dropped)."""
    from tokenizers import Tokenizer, models, trainers

    if method == "bpe":
        tok = Tokenizer(models.BPE())
        trainer = trainers.BpeTrainer(vocab_size=size, min_frequency=min_frequency, show_progress=False,
                                      max_token_length=_MAX_TOKEN_CHARS)
    else:
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=10_000))
        trainer = trainers.WordPieceTrainer(vocab_size=size, min_frequency=min_frequency,
                                            show_progress=False, special_tokens=["[UNK]"])
    # No pre-tokenizer: every input is one word, fed as often as it occurs.
    stream = itertools.chain.from_iterable(itertools.repeat(w, c) for w, c in units.items())
    tok.train_from_iterator(stream, trainer, length=sum(units.values()))
    return [t for t in tok.get_vocab() if not t.startswith("##") and t != "[UNK]"]


def _usable(token: str, kind: Kind, vocab: dict[str, int]) -> bool:
    if token in vocab or len(token) < 2 or len(token) > _MAX_TOKEN_CHARS:
        return False
    body = token[1:] if kind == "byte-level" and token.startswith(" ") else token
    if not body or any(ch.isspace() for ch in body):
        return False
    if kind == "byte-level":
        return byte_level_roundtrips(token)
    return True


def byte_level_roundtrips(token: str) -> bool:
    """Whether the byte-level decoder gives ``token`` back (a non-ASCII token without a space does not)."""
    from tokenizers import decoders

    return decoders.ByteLevel().decode([token]) == token


class _Corpus:
    """Word counts, their current token counts, and the leftmost-longest simulation of added tokens."""

    def __init__(self, units: Counter[str], backend: Any) -> None:
        self.words = list(units)
        self.counts = [units[w] for w in self.words]
        self.backend = backend
        self.cache: dict[str, int] = {}
        self.chosen: set[str] = set()
        self.lengths: list[int] = []  # of chosen tokens, descending
        self.current = self.token_counts(self.words)

    def token_counts(self, pieces: Sequence[str]) -> list[int]:
        missing = list({p for p in pieces if p not in self.cache})
        for start in range(0, len(missing), 4096):
            chunk = missing[start : start + 4096]
            for piece, enc in zip(chunk, self.backend.encode_batch(chunk, add_special_tokens=False),
                                  strict=True):
                self.cache[piece] = len(enc.ids)
        return [self.cache[p] for p in pieces]

    def _split(self, word: str, extra: str | None) -> tuple[list[str], int]:
        """Pieces between matches of chosen (+ ``extra``) tokens, leftmost-longest, and the match count."""
        lengths = self.lengths if extra is None else sorted({*self.lengths, len(extra)}, reverse=True)
        pieces: list[str] = []
        matches = start = i = 0
        n = len(word)
        while i < n:
            for length in lengths:
                if i + length <= n:
                    sub = word[i : i + length]
                    if sub == extra or sub in self.chosen:
                        break
            else:
                i += 1
                continue
            if start < i:
                pieces.append(word[start:i])
            matches += 1
            i += length
            start = i
        if start < n:
            pieces.append(word[start:])
        return pieces, matches

    def counts_with(self, word_ids: Sequence[int], extra: str | None) -> list[int]:
        splits = [self._split(self.words[w], extra) for w in word_ids]
        self.token_counts([p for pieces, _ in splits for p in pieces])
        return [m + sum(self.cache[p] for p in pieces) for pieces, m in splits]

    def gain(self, token: str, word_ids: Sequence[int]) -> int:
        new = self.counts_with(word_ids, token)
        return sum(self.counts[w] * (self.current[w] - k) for w, k in zip(word_ids, new, strict=True))

    def choose(self, token: str, word_ids: Sequence[int]) -> None:
        self.chosen.add(token)
        self.lengths = sorted({*self.lengths, len(token)}, reverse=True)
        for w, k in zip(word_ids, self.counts_with(word_ids, None), strict=True):
            self.current[w] = k


def _index(words: Sequence[str], candidates: set[str]) -> dict[str, list[int]]:
    """For each candidate, the words that contain it."""
    lengths = sorted({len(c) for c in candidates})
    index: dict[str, list[int]] = {c: [] for c in candidates}
    for wi, word in enumerate(words):
        n = len(word)
        found: set[str] = set()
        for i in range(n - 1):
            for length in lengths:
                if i + length > n:
                    break
                sub = word[i : i + length]
                if sub in candidates:
                    found.add(sub)
        for sub in found:
            index[sub].append(wi)
    return index


def select_tokens(tokenizer: Any, texts: Sequence[str], n: int, *, method: Method = "auto",
                  min_frequency: int = 2) -> Selection:
    """Choose up to ``n`` new tokens for ``tokenizer`` that most reduce the token count of ``texts``.

    See :func:`llmsec.models.extend_vocabulary`, which raises when fewer than ``n`` are found.
    """
    if n < 1:
        raise VocabularyError(f"the number of tokens to add must be at least 1, got {n}")
    if min_frequency < 1:
        raise VocabularyError(f"min_frequency must be at least 1, got {min_frequency}")
    if method not in METHODS:
        raise VocabularyError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    kind = tokenizer_kind(tokenizer)
    backend = plain_backend(tokenizer)
    normalized = normalize_texts(tokenizer, texts)
    units = word_units(normalized, kind)
    if not units:
        raise VocabularyError(
            f"the corpus is empty ({len(texts)} texts, none with a non-space character): give the "
            "vocabulary a corpus of security text (e.g. --corpus nvd.json --format nvd)"
        )
    trainer = method if method != "auto" else ("wordpiece" if kind == "wordpiece" else "bpe")
    raw = train_candidates(units, trainer, size=min(250_000, 2_000 + 8 * n), min_frequency=min_frequency)
    vocab = tokenizer.get_vocab()
    pool = [c for c in raw if _usable(c, kind, vocab)]
    corpus = _Corpus(units, backend)
    base = corpus.token_counts(pool)
    pool = [c for c, k in zip(pool, base, strict=True) if k >= 2]
    index = _index(corpus.words, set(pool))
    total = sum(c * k for c, k in zip(corpus.counts, corpus.current, strict=True))
    logger.info("vocabulary: %d words (%d distinct), %d corpus tokens, %d candidates from %s",
                sum(corpus.counts), len(corpus.words), total, len(pool), trainer)

    # Priority: frequency x (base tokens - 1), then exact gains, recomputed lazily.
    heap: list[tuple[int, str, int]] = []
    for cand in pool:
        words = index[cand]
        freq = sum(corpus.counts[w] * corpus.words[w].count(cand) for w in words)
        if freq >= min_frequency:
            heap.append((-freq * (corpus.cache[cand] - 1), cand, -1))
    heapq.heapify(heap)
    chosen: list[str] = []
    savings: list[int] = []
    while heap and len(chosen) < n:
        neg_gain, cand, when = heapq.heappop(heap)
        if when == len(chosen):  # its gain is exact for the tokens chosen so far, and the largest
            corpus.choose(cand, index[cand])
            chosen.append(cand)
            savings.append(-neg_gain)
            continue
        gain = corpus.gain(cand, index[cand])
        if gain >= min_frequency:
            heapq.heappush(heap, (-gain, cand, len(chosen)))
    logger.info("vocabulary: chose %d tokens saving %d of %d corpus tokens (%.1f%%)",
                len(chosen), sum(savings), total, 100 * sum(savings) / max(total, 1))
    return Selection(tokens=chosen, savings=savings, corpus_tokens=total, candidates=len(pool))
