"""Tokenize with character offsets, and cut inputs longer than the model's context into windows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Tokenizers report a huge sentinel when they do not know their context length.
_UNKNOWN_LENGTH = 1_000_000


@dataclass(frozen=True)
class Encoded:
    """One text tokenized: content token ids with their character spans, and the special tokens around them."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    prefix: list[int]  # special tokens before the content ([CLS], <s>, ...)
    suffix: list[int]  # special tokens after it ([SEP], </s>, ...)


@dataclass(frozen=True)
class Window:
    """Content tokens ``start:end`` of an :class:`Encoded` text, explained in one forward pass."""

    start: int
    end: int


def context_length(model: Any, tokenizer: Any) -> int:
    """How many tokens (special ones included) the model reads at once."""
    limits = []
    tok_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and 0 < tok_max < _UNKNOWN_LENGTH:
        limits.append(tok_max)
    config = getattr(model, "config", None)
    pos_max = getattr(config, "max_position_embeddings", None)
    if isinstance(pos_max, int) and pos_max > 0:
        limits.append(pos_max)
    return min(limits) if limits else 512


def encode(tokenizer: Any, text: str) -> Encoded:
    """Tokenize ``text`` with offsets; special tokens are split off as prefix and suffix."""
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"explanations need a fast tokenizer (character offsets); {type(tokenizer).__name__} "
                         "is a slow one: save the checkpoint with a tokenizer.json")
    enc = tokenizer(text, add_special_tokens=True, return_offsets_mapping=True,
                    return_special_tokens_mask=True, truncation=False, verbose=False)
    ids, offsets, special = enc["input_ids"], enc["offset_mapping"], enc["special_tokens_mask"]
    first = next((i for i, s in enumerate(special) if not s), len(ids))
    last = max((i for i, s in enumerate(special) if not s), default=first - 1) + 1
    return Encoded(
        ids=list(ids[first:last]),
        offsets=[(int(a), int(b)) for a, b in offsets[first:last]],
        prefix=list(ids[:first]),
        suffix=list(ids[last:]),
    )


def plan_windows(n_tokens: int, room: int, overlap: int | None = None) -> list[Window]:
    """Windows of at most ``room`` content tokens covering ``0:n_tokens`` (consecutive ones overlap).

    ``overlap`` defaults to an eighth of ``room``, so a statement cut at a window edge is
    seen whole in the next window.
    """
    if room < 1:
        raise ValueError(f"the model's context leaves no room for content tokens (room={room})")
    if n_tokens <= room:
        return [Window(0, n_tokens)]
    overlap = room // 8 if overlap is None else overlap
    overlap = max(0, min(overlap, room - 1))
    stride = room - overlap
    windows, start = [], 0
    while True:
        end = min(start + room, n_tokens)
        windows.append(Window(start, end))
        if end >= n_tokens:
            return windows
        start += stride
