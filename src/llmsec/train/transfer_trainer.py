"""Transfer learning: a classification head for a detection task on any backbone."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np

from ..checkpoints import BaseSpec, Checkpoint
from ..config import TransferStage
from ..data import Example, classification_rows, get_task
from ._args import build_training_args
from ._common import StageSettings, load_split
from ._frozen_cache import INDEX, FrozenCache, frozen_cache, index_datasets, indexed_collate

logger = logging.getLogger(__name__)


def task_labels(task_name: str, records: Sequence[Any]) -> list[str]:
    """The task's declared labels, or the sorted labels of the data for open label sets."""
    task = get_task(task_name)
    if task.labels:
        return list(task.labels)
    return sorted({r.label for r in records if isinstance(r, Example)})


def _known_labels(records: Sequence[Any], labels: Sequence[str], source: str | None) -> list[Any]:
    """The evaluation records a head over ``labels`` can be scored on.

    With an open label set (``cve-to-cwe``) a validation record may carry a label the training
    data never showed; the head has no class for it, so the loss during training leaves it out
    (logged with its count). ``llmsec.evaluate`` scores such items as errors instead.
    """
    known = set(labels)
    kept = [r for r in records if not isinstance(r, Example) or r.label in known]
    if len(kept) < len(records):
        logger.warning("%s: %d of %d evaluation records have labels the training data lacks; the in-training "
                       "evaluation leaves them out", source, len(records) - len(kept), len(records))
    return kept


def class_weights(setting: str | list[float], label_ids: Sequence[int], n_labels: int) -> list[float] | None:
    """Per-class loss weights: ``balanced`` (inverse frequency), ``none``, or explicit."""
    if setting == "none":
        return None
    if isinstance(setting, list):
        if len(setting) != n_labels:
            raise ValueError(f"class_weights lists {len(setting)} weights for {n_labels} labels")
        return [float(w) for w in setting]
    from sklearn.utils.class_weight import compute_class_weight

    present = np.unique(label_ids)
    weights = np.ones(n_labels)
    weights[present] = compute_class_weight("balanced", classes=present, y=np.asarray(label_ids))
    return weights.tolist()


def epoch_metrics(eval_pred: Any) -> dict[str, float]:
    """Accuracy and macro-F1 of a classifier's logits, reported each evaluation."""
    from sklearn.metrics import accuracy_score, f1_score

    logits, labels = eval_pred
    preds = np.asarray(logits).argmax(-1)
    return {
        "accuracy": float(accuracy_score(labels, preds)),
        "f1_macro": float(f1_score(labels, preds, average="macro", zero_division=0)),
    }


class TransferTrainer(StageSettings):
    """Train a sequence classifier for a detection task (binary or multi-class).

    The backbone may be an encoder (BERT-like) or a decoder (a causal-LM
    checkpoint from an earlier stage: its LM head is replaced by a fresh
    classification head). With an adapter, the head stays fully trainable.
    Imbalanced data is handled by class-weighted cross-entropy.
    """

    kind = "transfer"

    config: TransferStage

    def run(self, base: BaseSpec) -> Checkpoint:
        """Train the classifier on top of ``base``; return the saved checkpoint."""
        from datasets import Dataset
        from transformers import DataCollatorWithPadding

        from ..models import attach_adapter, load_model, load_tokenizer

        cfg = self.config
        model_cfg = self._start(base)
        train_records, train_report = load_split(cfg, "train")  # type: ignore[misc]
        evaluation = load_split(cfg, "eval")
        labels = task_labels(cfg.task, train_records)
        present = sorted({r.label for r in train_records if isinstance(r, Example)})
        if len(present) < 2:
            raise ValueError(
                f"task {cfg.task!r} needs at least two classes in the training data "
                f"({cfg.data.train}), got {present}; the task's labels are {labels}"
            )
        tokenizer = load_tokenizer(model_cfg)

        def encode(records: Sequence[Any]) -> Dataset:
            texts, ids = classification_rows(records, labels)
            enc = tokenizer(texts, truncation=True, max_length=cfg.max_length)
            return Dataset.from_dict({**enc, "labels": ids})

        train_ds = encode(train_records)
        eval_ds = encode(_known_labels(evaluation[0], labels, cfg.data.eval)) if evaluation else None
        weights = class_weights(cfg.class_weights, train_ds["labels"], len(labels))
        logger.info("transfer learning on %d examples, labels %s, weights %s", len(train_ds), labels, weights)

        model = load_model(model_cfg, head="classifier", labels=labels, quantization=cfg.adapter.quantization)
        model = attach_adapter(model, cfg.adapter, task="classifier")
        args = build_training_args(
            cfg.trainer, output_dir=self._scratch, seed=self.seed, has_eval=eval_ds is not None,
            global_batch_size=cfg.global_batch_size,
        )
        collate: Any = DataCollatorWithPadding(tokenizer)
        cache = frozen_cache(cfg.cache_frozen, cfg.adapter.top_layers, model, tokenizer, train_ds, args)
        if cache is not None:
            train_ds, eval_ds = index_datasets(train_ds, eval_ds, model, args)
            collate = indexed_collate(collate)
        trainer = _transfer_trainer(weights, cache)(
            model=model,
            args=args,
            train_dataset=train_ds,
            eval_dataset=eval_ds,
            data_collator=collate,
            compute_metrics=epoch_metrics,
            callbacks=self.callbacks,
        )
        # A classification loss is a per-batch mean that ignores num_items_in_batch, so the
        # trainer must divide it by the accumulation steps itself (else accumulated gradients
        # and logged losses are gradient_accumulation_steps times too large).
        trainer.model_accepts_loss_kwargs = False
        reports = [train_report] + ([evaluation[1]] if evaluation else [])
        return self._train_and_save(trainer, tokenizer, base, eval_ds, reports,
                                    extra={"task": cfg.task, "labels": labels, "class_weights": weights})


def _transfer_trainer(weights: list[float] | None, cache: FrozenCache | None) -> Any:
    """A ``Trainer`` with class-weighted cross-entropy and/or the frozen-layer cache (plain Trainer without either).

    Training batches carry :data:`INDEX` when the cache is on; the forward then
    runs with the lower blocks served from the cache. Evaluation batches carry
    no index and run the full model.
    """
    import torch
    from transformers import Trainer

    if weights is None and cache is None:
        return Trainer

    class _TransferTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            index = inputs.pop(INDEX, None)
            serving = cache.serving(model, inputs, index) if cache is not None and index is not None else nullcontext()
            with serving:
                if weights is None:
                    return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
                labels = inputs.pop("labels")
                outputs = model(**inputs)
            logits = outputs.logits
            weight = torch.tensor(weights, dtype=logits.dtype, device=logits.device)
            loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1),
                                                     weight=weight)
            return (loss, outputs) if return_outputs else loss

    return _TransferTrainer
