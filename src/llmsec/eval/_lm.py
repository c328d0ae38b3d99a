"""Language-model measures: perplexity on text, and on the answers of conversations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ._progress import progress


def masked_logprobs(model: Any, batch_ids: list[list[int]], batch_mask: list[list[int]], pad_id: int) -> list[float]:
    """Per row, the summed next-token log-probability of the positions where ``batch_mask`` is 1."""
    import torch

    width = max(len(x) for x in batch_ids)
    ids = torch.full((len(batch_ids), width), pad_id, dtype=torch.long)
    attn = torch.zeros_like(ids)
    target_mask = torch.zeros_like(ids, dtype=torch.bool)
    for i, (x, m) in enumerate(zip(batch_ids, batch_mask, strict=True)):
        ids[i, : len(x)] = torch.tensor(x)
        attn[i, : len(x)] = 1
        target_mask[i, : len(m)] = torch.tensor(m, dtype=torch.bool)
    device = next(model.parameters()).device
    with torch.no_grad():
        logits = model(input_ids=ids.to(device), attention_mask=attn.to(device)).logits.float()
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    targets = ids[:, 1:].to(device)
    token_logp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    keep = target_mask[:, 1:].to(device)
    return (token_logp * keep).sum(-1).tolist()


def _nll(model: Any, batch_ids: list[list[int]], batch_mask: list[list[int]], pad_id: int) -> tuple[float, int]:
    """Summed next-token NLL over the positions where ``batch_mask`` is 1, and their count."""
    rows = masked_logprobs(model, batch_ids, batch_mask, pad_id)
    return -math.fsum(rows), sum(sum(m[1:]) for m in batch_mask)


def perplexity(model: Any, tokenizer: Any, texts: Sequence[str], *, max_length: int = 256,
               batch_size: int = 8) -> dict[str, float]:
    """Token-level perplexity of ``model`` on ``texts`` (each truncated to ``max_length``).

    Returns:
        ``{"perplexity", "nll", "tokens", "bits_per_byte"}``; bits per byte
        compares fairly across tokenizers.
    """
    model.eval()
    total, count, n_bytes = 0.0, 0, 0
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    for start in progress(range(0, len(texts), batch_size), "perplexity"):
        chunk = list(texts[start : start + batch_size])
        enc = tokenizer(chunk, truncation=True, max_length=max_length, add_special_tokens=True)["input_ids"]
        enc = [x for x in enc if len(x) > 1]
        if not enc:
            continue
        n_bytes += sum(len(tokenizer.decode(x, skip_special_tokens=True).encode()) for x in enc)
        nll, n = _nll(model, enc, [[1] * len(x) for x in enc], pad)
        total, count = total + nll, count + n
    if count == 0:
        raise ValueError("no text with at least two tokens to measure perplexity on")
    return {
        "perplexity": math.exp(total / count),
        "nll": total / count,
        "tokens": float(count),
        "bits_per_byte": total / math.log(2) / max(n_bytes, 1),
    }


def answer_perplexity(model: Any, tokenizer: Any, rows: Sequence[dict[str, Any]], *,
                      max_length: int = 512, batch_size: int = 8) -> dict[str, float]:
    """Perplexity of the assistant answers given their prompts (prompt tokens not scored).

    Args:
        rows: conversational prompt/completion rows (``llmsec.data.prompt_completion_rows``).
    """
    model.eval()
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    seqs, masks = [], []
    for row in rows:
        prompt = tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=False)
        if not full.startswith(prompt):
            raise ValueError("the chat template does not extend the prompt with the answer; cannot score it")
        p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        c_ids = tokenizer(full[len(prompt):], add_special_tokens=False)["input_ids"]
        ids = (p_ids + c_ids)[:max_length]
        mask = ([0] * len(p_ids) + [1] * len(c_ids))[:max_length]
        if sum(mask[1:]):
            seqs.append(ids)
            masks.append(mask)
    total, count = 0.0, 0
    for start in progress(range(0, len(seqs), batch_size), "answer perplexity"):
        nll, n = _nll(model, seqs[start : start + batch_size], masks[start : start + batch_size], pad)
        total, count = total + nll, count + n
    if count == 0:
        raise ValueError("no answer tokens to score (prompts fill max_length?)")
    return {"answer_perplexity": math.exp(total / count), "answer_nll": total / count, "tokens": float(count)}
