"""``evaluate``: measure a base model or checkpoint on one task's held-out data."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ModelConfig
from ..data import (
    Example,
    conversation_records,
    corpus_texts,
    get_task,
    load_records,
    prompt_completion_rows,
)
from ..train import Checkpoint, is_checkpoint, read_checkpoint
from ._classify import classifier_probs, zero_shot_probs
from ._lm import answer_perplexity, perplexity
from ._metrics import detection_metrics

logger = logging.getLogger(__name__)


def evaluate(
    model: str | Path | Checkpoint | ModelConfig,
    *,
    task: str,
    data: str | Path,
    data_format: str | None = None,
    max_samples: int | None = None,
    max_length: int = 256,
    batch_size: int = 8,
) -> dict[str, Any]:
    """Measure ``model`` on ``task`` using the records in ``data``.

    Corpus tasks report perplexity (and bits per byte); instruction sets report
    the perplexity of the reference answers; detection tasks report accuracy,
    F1, MCC and ROC-AUC, from the checkpoint's classification head when it has
    one and zero-shot (asking the task's question) otherwise.

    Returns:
        ``{"task", "model", "method", "n", "metrics": {...}}``.
    """
    spec = _model_config(model)
    checkpoint = read_checkpoint(spec.name) if is_checkpoint(spec.name) else None
    task_obj = get_task(task)
    records, _ = load_records(data, data_format, max_samples=max_samples)
    result: dict[str, Any] = {"task": task, "model": spec.name, "n": len(records)}

    from ..models import load_model, load_tokenizer

    tokenizer = load_tokenizer(spec)
    if task_obj.labels or any(isinstance(r, Example) for r in records[:1]):
        labels = list(task_obj.labels) or sorted({r.label for r in records})
        examples = [r for r in records if isinstance(r, Example)]
        y_true = np.array([labels.index(r.label) for r in examples])
        texts = [r.text for r in examples]
        if checkpoint is not None and checkpoint.labels:
            if checkpoint.labels != labels:
                raise ValueError(f"checkpoint labels {checkpoint.labels} differ from task {task!r}'s {labels}")
            net = load_model(spec, head="classifier", labels=labels)
            probs = classifier_probs(net, tokenizer, texts, max_length=max_length, batch_size=batch_size)
            result["method"] = "classifier"
        else:
            net = load_model(spec)
            probs = zero_shot_probs(net, tokenizer, texts, labels, instruction=task_obj.instruction,
                                    max_length=max_length)
            result["method"] = "zero-shot"
        result["metrics"] = detection_summary(y_true, probs)
        result["labels"] = labels
    elif task_obj.name == "instructions" or task_obj.record_type.__name__ == "Conversation":
        net = load_model(spec)
        rows = prompt_completion_rows(conversation_records(records))
        result["metrics"] = answer_perplexity(net, tokenizer, rows, max_length=2 * max_length,
                                              batch_size=batch_size)
        result["method"] = "answer-perplexity"
    else:
        net = load_model(spec)
        result["metrics"] = perplexity(net, tokenizer, corpus_texts(records), max_length=max_length,
                                       batch_size=batch_size)
        result["method"] = "perplexity"
    return result


def detection_summary(y_true: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    """Detection metrics from class probabilities (binary: class 1 is the positive class)."""
    n_labels = probs.shape[1]
    y_pred = probs.argmax(-1)
    scores = probs[:, 1] if n_labels == 2 else probs
    return detection_metrics(y_true, y_pred, y_score=scores, labels=list(range(n_labels)))


def _model_config(model: str | Path | Checkpoint | ModelConfig) -> ModelConfig:
    if isinstance(model, ModelConfig):
        return model
    if isinstance(model, Checkpoint):
        return ModelConfig(name=str(model.path))
    return ModelConfig(name=str(model))
