"""Domain vocabulary: add the tokens that most shorten security text, and grow the model to match.

Three steps, usable alone or through :func:`extend_model_dir` (the CLI) and the
``vocab:`` option of a pre-training stage:

1. :func:`extend_vocabulary` picks the tokens (see ``_vocab_select``);
2. :func:`add_tokens_to` adds them to a fast tokenizer as ordinary added tokens;
3. :func:`resize_embeddings` grows the input and output embeddings, each new row
   the mean of the rows of the base tokens it replaces.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._vocab_select import (
    Method,
    VocabularyError,
    byte_level_roundtrips,
    plain_backend,
    require_fast,
    select_tokens,
    tokenizer_kind,
)

if TYPE_CHECKING:
    from torch import nn

    from llmsec.config import PretrainStage

logger = logging.getLogger(__name__)

VOCAB_FILE = "vocab_extension.json"


def extend_vocabulary(
    tokenizer: Any,
    corpus_texts: Sequence[str],
    n: int,
    *,
    method: Method = "auto",
    min_frequency: int = 2,
) -> list[str]:
    """Choose the ``n`` new tokens that most reduce the token count of ``corpus_texts``.

    A BPE (``method="bpe"``) or WordPiece (``"wordpiece"``) model is trained
    with the ``tokenizers`` library on the corpus's whitespace words;
    ``"auto"`` picks the base tokenizer's own kind. Its tokens are candidates,
    scored by the tokens they save under ``tokenizer`` (frequency x (base
    tokens - 1) to start, then the exact saving given the tokens already
    chosen), and chosen greedily. The tokenizer is not changed: pass the result
    to :func:`add_tokens_to`.

    Args:
        tokenizer: A fast byte-level BPE (SmolLM2, GPT-2, Llama-3) or WordPiece (BERT) tokenizer.
        corpus_texts: The domain corpus.
        n: How many tokens to choose.
        method: Candidate model: ``"auto"``, ``"bpe"`` or ``"wordpiece"``.
        min_frequency: Fewest occurrences of a candidate, and fewest corpus
            tokens a chosen token must save.

    Returns:
        The tokens in the order chosen, as text in the tokenizer's normalized form
        (a byte-level token may start with a space: ``" CVE-2021-"``).

    Raises:
        VocabularyError: an empty corpus, a corpus that supports fewer than
            ``n`` tokens (the message says how many), a slow or unsupported tokenizer.
    """
    selection = select_tokens(tokenizer, corpus_texts, n, method=method, min_frequency=min_frequency)
    if len(selection.tokens) < n:
        raise VocabularyError(
            f"the corpus supports only {len(selection.tokens)} new tokens, {n} were asked for: of "
            f"{selection.candidates} candidates, only {len(selection.tokens)} save at least "
            f"{min_frequency} tokens over the corpus's {selection.corpus_tokens} tokens. Add "
            f"{len(selection.tokens)} or fewer, lower min_frequency, or give a larger corpus."
        )
    return selection.tokens


def add_tokens_to(tokenizer: Any, tokens: Iterable[str]) -> list[str]:
    """Add ``tokens`` to a fast tokenizer as ordinary (not special) added tokens.

    A token already in the vocabulary (base or added earlier) or repeated in
    ``tokens`` is skipped, so extending twice never duplicates a token. Special
    tokens and the chat template are left as they are. Tokens are matched in
    the normalized text, before pre-tokenization.

    Returns:
        The tokens actually added, in order.

    Raises:
        VocabularyError: a slow tokenizer, an empty token, or a byte-level token
            that would not decode back to itself (non-ASCII text without a space).
    """
    from tokenizers import AddedToken

    backend = require_fast(tokenizer)
    kind = tokenizer_kind(tokenizer)
    vocab = tokenizer.get_vocab()
    new: list[str] = []
    given = 0
    for token in tokens:
        given += 1
        text = backend.normalizer.normalize_str(token) if backend.normalizer is not None else token
        if not text or text.isspace():
            raise VocabularyError(f"cannot add the empty or all-space token {token!r}")
        if kind == "byte-level" and not byte_level_roundtrips(text):
            raise VocabularyError(
                f"the token {text!r} would not decode back to itself with the byte-level decoder "
                "(non-ASCII text without a space): leave it out"
            )
        if text in vocab or text in new:
            continue
        new.append(text)
    if new:
        tokenizer.add_tokens([AddedToken(t, single_word=False, lstrip=False, rstrip=False,
                                         normalized=True, special=False) for t in new])
    logger.info("added %d of %d tokens (the others were already there); vocabulary size now %d",
                len(new), given, len(tokenizer))
    return new


def token_ids(tokenizer: Any, tokens: Sequence[str]) -> list[int]:
    """The ids of tokens in the tokenizer's vocabulary (raises for one that is not there)."""
    vocab = tokenizer.get_vocab()
    missing = [t for t in tokens if t not in vocab]
    if missing:
        raise VocabularyError(f"{len(missing)} tokens are not in the tokenizer, e.g. {missing[:3]}: "
                              "add them with add_tokens_to(tokenizer, tokens) first")
    return [vocab[t] for t in tokens]


def base_pieces(tokenizer: Any, tokens: Sequence[str]) -> list[list[int]]:
    """The ids each token is split into by ``tokenizer`` without ``tokens`` (what it replaces)."""
    from tokenizers import Tokenizer

    spec = json.loads(require_fast(tokenizer).to_str())
    drop = set(tokens)
    spec["added_tokens"] = [t for t in spec.get("added_tokens", []) if t["content"] not in drop]
    spec["padding"] = spec["truncation"] = None
    base = Tokenizer.from_str(json.dumps(spec))
    return [enc.ids for enc in base.encode_batch(list(tokens), add_special_tokens=False)]


def resize_embeddings(model: nn.Module, tokenizer: Any, new_tokens: Sequence[str]) -> list[int]:
    """Grow the model's embeddings to the tokenizer and initialise the rows of ``new_tokens``.

    Each new row is the mean of the rows of the base tokens the new token
    replaces, in the input embeddings and (when not tied) in the output
    embeddings and their bias. Rows of the other tokens are copied unchanged,
    and tied embeddings stay tied. The matrix only grows: a model with spare
    rows keeps its size.

    Returns:
        The ids of ``new_tokens``.
    """
    import torch

    ids = token_ids(tokenizer, new_tokens)
    pieces = base_pieces(tokenizer, new_tokens)
    for token, piece in zip(new_tokens, pieces, strict=True):
        if not piece:
            raise VocabularyError(f"the token {token!r} has no base tokens to initialise its embedding from")
    inputs = model.get_input_embeddings()
    rows = inputs.weight.shape[0]
    needed = max([len(tokenizer), *(i + 1 for i in ids)])
    if needed > rows:
        model.resize_token_embeddings(needed, mean_resizing=False)
    inputs = model.get_input_embeddings()
    outputs = model.get_output_embeddings()
    with torch.no_grad():
        _mean_rows(inputs.weight, ids, pieces)
        if outputs is not None and outputs.weight.data_ptr() != inputs.weight.data_ptr():
            _mean_rows(outputs.weight, ids, pieces)
        bias = getattr(outputs, "bias", None) if outputs is not None else None
        if bias is not None and bias.shape[0] >= needed:
            _mean_rows(bias, ids, pieces)
    logger.info("embeddings resized %d -> %d rows; %d new rows set to their sub-token means",
                rows, model.get_input_embeddings().weight.shape[0], len(ids))
    return ids


def _mean_rows(weight: Any, ids: Sequence[int], pieces: Sequence[Sequence[int]]) -> None:
    import torch

    for i, piece in zip(ids, pieces, strict=True):
        index = torch.tensor(piece, dtype=torch.long, device=weight.device)
        weight[i] = weight.index_select(0, index).float().mean(0).to(weight.dtype)


def trainable_token_indices(model: nn.Module, ids: Sequence[int]) -> list[int] | dict[str, list[int]]:
    """peft's ``LoraConfig.trainable_token_indices`` that trains the rows ``ids``.

    A list (the input embeddings; peft also trains the tied output rows) when
    the embeddings are tied or there is no output layer, else the same ids for
    the input and output embedding modules by name.
    """
    ids = sorted(set(ids))
    inputs, outputs = model.get_input_embeddings(), model.get_output_embeddings()
    if outputs is None or outputs.weight.data_ptr() == inputs.weight.data_ptr():
        return ids
    names = {id(m): name.rsplit(".", 1)[-1] for name, m in model.named_modules()}
    return {names[id(inputs)]: ids, names[id(outputs)]: list(ids)}


def count_tokens(tokenizer: Any, texts: Sequence[str]) -> int:
    """Tokens of ``texts`` under ``tokenizer``, without special tokens."""
    backend = plain_backend(tokenizer)
    return sum(len(e.ids) for e in backend.encode_batch(list(texts), add_special_tokens=False))


@dataclass
class VocabExtension:
    """What a vocabulary extension added and what it saved on its corpus."""

    tokens: list[str]
    ids: list[int]
    method: str
    min_frequency: int
    corpus_texts: int
    tokens_before: int
    tokens_after: int
    extra: dict[str, Any] = field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        """A JSON-ready record (for ``llmsec.json`` and ``vocab_extension.json``)."""
        return {
            "added_tokens": len(self.tokens),
            "method": self.method,
            "min_frequency": self.min_frequency,
            "corpus_texts": self.corpus_texts,
            "corpus_tokens_before": self.tokens_before,
            "corpus_tokens_after": self.tokens_after,
            **self.extra,
            "tokens": self.tokens,
        }


def extend_tokenizer(
    tokenizer: Any,
    texts: Sequence[str],
    n: int,
    *,
    method: Method = "auto",
    min_frequency: int = 2,
) -> VocabExtension:
    """Choose ``n`` tokens on ``texts`` and add them to ``tokenizer`` (in place)."""
    before = count_tokens(tokenizer, texts)
    tokens = add_tokens_to(tokenizer, extend_vocabulary(tokenizer, texts, n, method=method,
                                                        min_frequency=min_frequency))
    after = count_tokens(tokenizer, texts)
    logger.info("corpus tokens %d -> %d (%.1f%% fewer)", before, after, 100 * (before - after) / max(before, 1))
    return VocabExtension(tokens=tokens, ids=token_ids(tokenizer, tokens), method=method,
                          min_frequency=min_frequency, corpus_texts=len(texts),
                          tokens_before=before, tokens_after=after)


def stage_vocabulary(stage: PretrainStage, tokenizer: Any) -> VocabExtension:
    """Extend a pre-training stage's tokenizer (in place) as its ``vocab:`` section says.

    The corpus is ``vocab.corpus`` (in ``vocab.format``), else the stage's train data.
    """
    from llmsec.data import corpus_texts, load_records

    vocab = stage.vocab
    if vocab is None:
        raise VocabularyError("the stage has no vocab: section to extend the tokenizer with")
    if vocab.corpus is not None:
        records, _ = load_records(vocab.corpus, vocab.format)
        source = vocab.corpus
    else:
        data = stage.data
        records, _ = load_records(data.train, data.format, max_samples=data.max_samples, **data.options)
        source = data.train
    ext = extend_tokenizer(tokenizer, corpus_texts(records), vocab.extend, method=vocab.method,
                           min_frequency=vocab.min_frequency)
    ext.extra["corpus"] = source
    return ext


def extend_model_dir(
    base: str | os.PathLike[str],
    texts: Sequence[str],
    n: int,
    out_dir: str | os.PathLike[str],
    *,
    method: Method = "auto",
    min_frequency: int = 2,
) -> VocabExtension:
    """Extend a model's vocabulary and save tokenizer + resized model (safetensors) to ``out_dir``.

    The model is loaded with the class its ``config.json`` names (so a causal
    LM keeps its head, a plain BERT encoder stays an encoder) and saved with
    ``save_pretrained``: plain ``transformers`` loads ``out_dir``. Beside it,
    ``vocab_extension.json`` lists the added tokens and the corpus savings.

    Args:
        base: A model reference (see :func:`llmsec.models.resolve_model`).
        texts: The domain corpus.
        n: How many tokens to add.
        out_dir: Where to write the extended model.
        method: See :func:`extend_vocabulary`.
        min_frequency: See :func:`extend_vocabulary`.
    """
    import transformers
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from ._resolve import resolve_model

    path = resolve_model(base)
    tokenizer = AutoTokenizer.from_pretrained(path)
    ext = extend_tokenizer(tokenizer, texts, n, method=method, min_frequency=min_frequency)
    config = AutoConfig.from_pretrained(path)
    arch = (getattr(config, "architectures", None) or [""])[0]
    model_cls = getattr(transformers, arch, None) or AutoModel
    model = model_cls.from_pretrained(path, dtype="auto")
    resize_embeddings(model, tokenizer, ext.tokens)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    ext.extra.update({"base": os.fspath(base), "model_class": type(model).__name__})
    (out / VOCAB_FILE).write_text(json.dumps(ext.manifest(), indent=2, ensure_ascii=False) + "\n")
    logger.info("extended %s by %d tokens -> %s", base, len(ext.tokens), out)
    return ext
