"""Transfer learning: a classification head for a detection task on any backbone."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np

from ..checkpoints import BaseSpec, Checkpoint
from ..config import TransferStage
from ._args import build_training_args
from ._common import StageSettings
from ._frozen_cache import INDEX, FrozenCache, frozen_cache, index_datasets, indexed_collate
from ._stream import streamed_split

logger = logging.getLogger(__name__)


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
        from transformers import DataCollatorWithPadding

        from ..models import attach_adapter, load_model, load_tokenizer

        cfg = self.config
        model_cfg = self._start(base)
        tokenizer = load_tokenizer(model_cfg)
        args = build_training_args(
            cfg.trainer, output_dir=self._scratch, seed=self.seed, has_eval=cfg.data.eval is not None,
            global_batch_size=cfg.global_batch_size,
        )
        # Stream both splits into memory-mapped Arrow files (the main process first, the others reuse them).
        with args.main_process_first(desc="tokenizing the data"):
            train = streamed_split(cfg, "train", tokenizer, self._scratch / "data")
            assert train is not None  # a stage always has train data
            labels = train.labels
            evaluation = streamed_split(cfg, "eval", tokenizer, self._scratch / "data", labels=labels)
        present = sorted(train.counts)
        if len(present) < 2:
            raise ValueError(
                f"task {cfg.task!r} needs at least two classes in the training data "
                f"({cfg.data.train}), got {present}; the task's labels are {labels}"
            )
        train_ds = train.dataset
        eval_ds = evaluation.dataset if evaluation else None
        weights = class_weights(cfg.class_weights, train.label_ids(), len(labels))
        logger.info("transfer learning on %d examples, labels %s, weights %s", len(train_ds), labels, weights)

        model = load_model(model_cfg, head="classifier", labels=labels, quantization=cfg.adapter.quantization)
        model = attach_adapter(model, cfg.adapter, task="classifier")
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
        reports = [train.report] + ([evaluation.report] if evaluation else [])
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
