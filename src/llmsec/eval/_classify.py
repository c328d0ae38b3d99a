"""Class scores for detection tasks: from a trained head, or zero-shot from a chat model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def classifier_probs(model: Any, tokenizer: Any, texts: Sequence[str], *, max_length: int = 256,
                     batch_size: int = 8) -> np.ndarray:
    """Softmax class probabilities of a sequence-classification model, one row per text."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    out = []
    for start in range(0, len(texts), batch_size):
        enc = tokenizer(list(texts[start : start + batch_size]), truncation=True, max_length=max_length,
                        padding=True, return_tensors="pt").to(device)
        with torch.no_grad():
            logits = model(**enc).logits.float()
        out.append(torch.softmax(logits, dim=-1).cpu().numpy())
    return np.concatenate(out)


def zero_shot_probs(model: Any, tokenizer: Any, texts: Sequence[str], labels: Sequence[str], *,
                    instruction: str, max_length: int = 256) -> np.ndarray:
    """Class probabilities of a chat model asked ``instruction`` about each text.

    Each label is scored by the log-probability of its whole token sequence as
    the start of the assistant's answer, and the scores are normalised over the
    labels. All labels of one text are scored in one batched forward pass.
    Texts are truncated to ``max_length`` tokens first.
    """
    import torch

    model.eval()
    device = next(model.parameters()).device
    label_ids = [tokenizer(label, add_special_tokens=False)["input_ids"] for label in labels]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    rows = []
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False, truncation=True, max_length=max_length)["input_ids"]
        chat = [{"role": "user", "content": f"{instruction}\n\n{tokenizer.decode(ids)}"}]
        prompt = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        width = len(p_ids) + max(len(lab) for lab in label_ids)
        batch = torch.full((len(label_ids), width), pad, dtype=torch.long)
        attn = torch.zeros_like(batch)
        for i, lab in enumerate(label_ids):
            batch[i, : len(p_ids) + len(lab)] = torch.tensor(p_ids + lab)
            attn[i, : len(p_ids) + len(lab)] = 1
        with torch.no_grad():
            logp = torch.log_softmax(model(input_ids=batch.to(device), attention_mask=attn.to(device))
                                     .logits[:, :-1].float(), dim=-1)
        scores = []
        for i, lab in enumerate(label_ids):
            positions = torch.arange(len(p_ids) - 1, len(p_ids) - 1 + len(lab), device=device)
            scores.append(float(logp[i, positions, torch.tensor(lab, device=device)].sum()))
        rows.append(scores)
    return torch.softmax(torch.tensor(rows), dim=-1).numpy()
