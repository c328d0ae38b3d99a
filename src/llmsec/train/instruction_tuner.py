"""Instruction tuning: supervised fine-tuning on security conversations with trl's SFTTrainer."""

from __future__ import annotations

import logging

from ..config import InstructStage
from ..data import get_task
from ._args import build_training_args
from ._checkpoint import Checkpoint
from ._common import (
    BaseSpec,
    StageSettings,
)
from ._multiturn import mask_mode
from ._stream import streamed_sft

logger = logging.getLogger(__name__)


class InstructionTuner(StageSettings):
    """Fine-tune a causal LM on conversations, with the loss on assistant turns only.

    Each conversation is one row, rendered with the tokenizer's chat template,
    and the loss falls on every assistant turn in it (not one row per turn, which
    would repeat the conversation before each turn): trl's ``assistant_only_loss``
    masks it where the template allows, else the row comes pre-tokenized with its
    mask (:mod:`llmsec.train._multiturn`). Records that are detection Examples are
    turned into conversations by the stage's ``task``.
    """

    kind = "instruct"

    config: InstructStage

    def run(self, base: BaseSpec) -> Checkpoint:
        """Tune ``base`` on the stage's conversations; return the saved checkpoint."""
        from trl import SFTTrainer

        from ..models import attach_adapter, load_model, load_tokenizer

        cfg = self.config
        model_cfg = self._start(base)
        task = get_task(cfg.task) if cfg.task else None

        tokenizer = load_tokenizer(model_cfg)
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError(
                f"base model {model_cfg.name!r} has no chat template; instruction tuning renders "
                "conversations with it. Use an instruct/chat model or a tokenizer with a chat_template."
            )
        mode = mask_mode(tokenizer)

        # Streamed into memory-mapped Arrow files: memory does not grow with the number of conversations.
        train_ds, train_report, built = streamed_sft(cfg, "train", tokenizer, task, mode,  # type: ignore[misc]
                                                     self._scratch / "data")
        evaluation = streamed_sft(cfg, "eval", tokenizer, task, mode, self._scratch / "data")
        eval_ds = evaluation[0] if evaluation else None
        logger.info("instruction tuning on %d conversations (%d assistant turns, %d rows; assistant mask by %s)",
                    built.conversations, built.assistant_turns, len(train_ds), mode)
        model = load_model(model_cfg, quantization=cfg.adapter.quantization)
        model = attach_adapter(model, cfg.adapter, task="causal-lm")
        args = build_training_args(
            cfg.trainer,
            output_dir=self._scratch,
            seed=self.seed,
            sft=True,
            has_eval=eval_ds is not None,
            max_length=cfg.max_length,
            assistant_only_loss=mode == "trl",
            global_batch_size=cfg.global_batch_size,
        )
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=train_ds,
            eval_dataset=eval_ds,
            processing_class=tokenizer,
            callbacks=self.callbacks,
        )
        reports = [train_report] + ([evaluation[1]] if evaluation else [])
        return self._train_and_save(trainer, tokenizer, base, eval_ds, reports, data={
            "train_rows": len(train_ds), "train_conversations": built.conversations,
            "train_assistant_turns": built.assistant_turns, "assistant_mask": mode})
