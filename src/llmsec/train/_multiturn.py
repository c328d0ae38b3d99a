"""Multi-turn SFT rows: one row per conversation, the loss on every assistant turn.

A conversation with *n* assistant turns used to become *n* prompt/completion
rows, each repeating the whole conversation before its turn, so the tokens
trained on grew with the square of the conversation's length. Here each
conversation is one row and a mask marks the assistant turns:

- where trl can mask the assistant turns itself (the chat template has
  ``{% generation %}`` markers, or trl ships a training version of it), the row
  is the conversation (``{"messages": ...}``) and the stage sets trl's
  ``assistant_only_loss``;
- otherwise (e.g. SmolLM2's or the tiny test template) the row is pre-tokenized
  here: ``input_ids`` of the rendered conversation and ``assistant_masks``, 1 on
  each assistant turn as the template renders it (its content and end-of-turn
  text). The span of turn *i* runs from the end of the rendering of the turns
  before it plus the generation prompt to the end of the rendering of the turns
  up to it. A template that does not render a conversation's earlier turns as a
  prefix of the whole (one that rewrites history) gets one row per assistant
  turn for that conversation instead, the old way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..data import Conversation, EmptyDatasetError

logger = logging.getLogger(__name__)

Chat = list[dict[str, str]]
MaskMode = Literal["trl", "own"]


def chats(conversations: Iterable[Conversation], system_prompt: str | None = None) -> Iterator[Chat]:
    """The conversations as role/content lists, with ``system_prompt`` first where they have no system turn."""
    for conv in conversations:
        chat = conv.as_chat()
        if system_prompt and chat and chat[0]["role"] != "system":
            chat = [{"role": "system", "content": system_prompt}, *chat]
        yield chat


def mask_mode(tokenizer: Any) -> MaskMode:
    """``"trl"`` when trl's ``assistant_only_loss`` can mask this tokenizer's chat template, else ``"own"``.

    trl can when the template has ``{% generation %}`` markers or when trl ships a
    training version of it (``trl.chat_template_utils.get_training_chat_template``).
    """
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    template = getattr(tokenizer, "chat_template", None)
    if not template:
        return "own"
    if has_generation_markers(template):
        return "trl"
    try:
        get_training_chat_template(tokenizer)
    except ValueError:  # trl has no training version of this template
        return "own"
    return "trl"


@dataclass
class MaskedRow:
    """One tokenized training row: the ids and a 1 on every token the loss falls on."""

    input_ids: list[int]
    assistant_masks: list[int]

    def as_dict(self) -> dict[str, list[int]]:
        """The row as trl takes a pre-tokenized example."""
        return {"input_ids": self.input_ids, "assistant_masks": self.assistant_masks}


def _render(tokenizer: Any, chat: Chat, *, generation_prompt: bool = False) -> str:
    return tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=generation_prompt)


def assistant_spans(tokenizer: Any, chat: Sequence[dict[str, str]]) -> tuple[str, list[tuple[int, int]]] | None:
    """The rendered conversation and the character span of each assistant turn in it.

    Returns None when the template does not render the turns before an
    assistant turn as a prefix of the whole conversation.
    """
    chat = list(chat)
    text = _render(tokenizer, chat)
    spans = []
    for i, turn in enumerate(chat):
        if turn["role"] != "assistant" or i == 0:
            continue
        before = _render(tokenizer, chat[:i], generation_prompt=True)
        upto = _render(tokenizer, chat[: i + 1])
        if not (text.startswith(before) and text.startswith(upto) and len(upto) > len(before)):
            return None
        spans.append((len(before), len(upto)))
    return text, spans


def _tokenize_spans(tokenizer: Any, text: str, spans: Sequence[tuple[int, int]]) -> MaskedRow:
    """Tokenize ``text`` as ``apply_chat_template`` does; mark the tokens that start inside a span."""
    try:
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    except (NotImplementedError, ValueError):  # a tokenizer without character offsets
        return _tokenize_by_prefix(tokenizer, text, spans)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    mask = [0] * len(ids)
    k = 0
    for t, (start, end) in enumerate(offsets):
        while k < len(spans) and start >= spans[k][1]:
            k += 1
        if k == len(spans):
            break
        if spans[k][0] <= start < spans[k][1] and end > start:
            mask[t] = 1
    return MaskedRow(ids, mask)


def _tokenize_by_prefix(tokenizer: Any, text: str, spans: Sequence[tuple[int, int]]) -> MaskedRow:
    """The same mask from the token counts of the text up to each span's start and end."""
    def count(prefix: str) -> int:
        return len(tokenizer(prefix, add_special_tokens=False)["input_ids"])

    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    mask = [0] * len(ids)
    for start, end in spans:
        for t in range(count(text[:start]), min(count(text[:end]), len(ids))):
            mask[t] = 1
    return MaskedRow(ids, mask)


def conversation_rows(tokenizer: Any, chat: Chat) -> list[MaskedRow]:
    """The tokenized row(s) of one conversation: one with every assistant turn masked in, when the template allows.

    Raises:
        EmptyDatasetError: the conversation has no assistant turn after its first message.
    """
    found = assistant_spans(tokenizer, chat)
    if found is not None:
        text, spans = found
        if not spans:
            raise EmptyDatasetError("a conversation has no assistant turn to learn from")
        return [_tokenize_spans(tokenizer, text, spans)]
    # The template rewrites earlier turns (e.g. drops old reasoning): one row per assistant turn.
    rows = []
    for i, turn in enumerate(chat):
        if turn["role"] == "assistant" and i > 0:
            before = _render(tokenizer, chat[:i], generation_prompt=True)
            upto = _render(tokenizer, chat[: i + 1])
            start = len(before) if upto.startswith(before) else _common_prefix(before, upto)
            rows.append(_tokenize_spans(tokenizer, upto, [(start, len(upto))]))
    if not rows:
        raise EmptyDatasetError("a conversation has no assistant turn to learn from")
    return rows


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass
class SftRows:
    """The rows of one instruction-tuning split and how they were built."""

    rows: list[dict[str, Any]]
    mode: MaskMode
    conversations: int
    assistant_turns: int


def sft_rows(conversations: Iterable[Conversation], tokenizer: Any, system_prompt: str | None = None,
             mode: MaskMode | None = None) -> SftRows:
    """One row per conversation with the loss on its assistant turns (see the module docstring).

    Args:
        conversations: the split's conversations (read once: a generator will do).
        tokenizer: the model's tokenizer, with a chat template.
        system_prompt: a system turn for conversations without one.
        mode: force ``"trl"`` (rows of messages for trl's ``assistant_only_loss``) or
            ``"own"`` (pre-tokenized rows with ``assistant_masks``); default :func:`mask_mode`.

    Raises:
        EmptyDatasetError: no conversation has an assistant turn to learn from.
    """
    mode = mode or mask_mode(tokenizer)
    rows: list[dict[str, Any]] = []
    n_conv = turns = 0
    for chat in chats(conversations, system_prompt):
        n_turns = sum(1 for i, m in enumerate(chat) if m["role"] == "assistant" and i > 0)
        if not n_turns:
            continue
        n_conv += 1
        turns += n_turns
        if mode == "trl":
            rows.append({"messages": chat})
        else:
            rows.extend(r.as_dict() for r in conversation_rows(tokenizer, chat))
    if not rows:
        raise EmptyDatasetError("no assistant turn to learn from in the conversations")
    return SftRows(rows, mode, n_conv, turns)


def token_counts(conversations: Sequence[Conversation], tokenizer: Any,
                 system_prompt: str | None = None) -> dict[str, int]:
    """Tokens per epoch one row per assistant turn (the old rows) would train on, and one row per conversation.

    ``per_turn``: the summed length of every prompt/completion row (each repeats the
    conversation before its turn); ``per_conversation``: the summed length of the
    one-row-per-conversation rows; ``assistant``: tokens in the loss (the same either way).
    """
    per_turn = per_conv = assistant = 0
    for chat in chats(conversations, system_prompt):
        for i, turn in enumerate(chat):
            if turn["role"] == "assistant" and i > 0:
                per_turn += len(tokenizer(_render(tokenizer, chat[: i + 1]), add_special_tokens=False)["input_ids"])
        for row in conversation_rows(tokenizer, chat):
            per_conv += len(row.input_ids)
            assistant += sum(row.assistant_masks)
    return {"per_turn": per_turn, "per_conversation": per_conv, "assistant": assistant}
