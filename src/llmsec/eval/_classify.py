"""Class scores for detection tasks: from a trained head, or zero-shot from a chat model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._progress import progress


def classifier_probs(model: Any, tokenizer: Any, texts: Sequence[str], *, max_length: int = 256,
                     batch_size: int = 8) -> np.ndarray:
    """Softmax class probabilities of a sequence-classification model, one row per text."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    out = []
    for start in progress(range(0, len(texts), batch_size), "classifying"):
        enc = tokenizer(list(texts[start : start + batch_size]), truncation=True, max_length=max_length,
                        padding=True, return_tensors="pt").to(device)
        with torch.no_grad():
            logits = model(**enc).logits.float()
        out.append(torch.softmax(logits, dim=-1).cpu().numpy())
    return np.concatenate(out)


def zero_shot_probs(model: Any, tokenizer: Any, texts: Sequence[str], labels: Sequence[str], *,
                    instruction: str, max_length: int = 256) -> np.ndarray:
    """Class probabilities of a chat model asked ``instruction`` about each text.

    Each label is scored by the log-probability of its tokens as the start of
    the assistant's answer, normalised over the labels. When the labels start
    with distinct tokens, their first token decides (one forward pass per
    text); otherwise every label's whole token sequence is scored in one
    batched pass. Texts are truncated to ``max_length`` tokens first.
    """
    import torch

    model.eval()
    device = next(model.parameters()).device
    label_ids = [tokenizer(label, add_special_tokens=False)["input_ids"] for label in labels]
    first = [ids[0] for ids in label_ids]
    if len(set(first)) == len(first):
        label_ids = [[tok] for tok in first]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    rows = []
    for text in progress(texts, "asking zero-shot"):
        ids = tokenizer(text, add_special_tokens=False, truncation=True, max_length=max_length)["input_ids"]
        chat = [{"role": "user", "content": f"{instruction}\n\n{tokenizer.decode(ids)}"}]
        prompt = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        longest = max(len(lab) for lab in label_ids)
        # single-token labels: the prompt alone gives every label's score
        seqs = [p_ids] if longest == 1 else [p_ids + lab[:-1] for lab in label_ids]
        width = max(len(s) for s in seqs)
        batch = torch.full((len(seqs), width), pad, dtype=torch.long)
        attn = torch.zeros_like(batch)
        for i, seq in enumerate(seqs):
            batch[i, : len(seq)] = torch.tensor(seq)
            attn[i, : len(seq)] = 1
        with torch.no_grad():
            logits = model(input_ids=batch.to(device), attention_mask=attn.to(device)).logits.float()
        logp = torch.log_softmax(logits, dim=-1)
        scores = []
        for i, lab in enumerate(label_ids):
            row = 0 if longest == 1 else i
            positions = range(len(p_ids) - 1, len(p_ids) - 1 + len(lab))
            scores.append(sum(float(logp[row, pos, tok]) for pos, tok in zip(positions, lab, strict=True)))
        rows.append(scores)
    return torch.softmax(torch.tensor(rows), dim=-1).numpy()
