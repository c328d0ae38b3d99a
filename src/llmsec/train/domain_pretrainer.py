"""Domain pre-training: continued causal-LM training on security text, packed to blocks."""

from __future__ import annotations

import logging

from ..checkpoints import BaseSpec, Checkpoint
from ..config import PretrainStage
from ._args import build_training_args, cuda_available
from ._common import StageSettings
from ._corpus import packed_corpus
from ._fastpath import add_chunked_lm_head, keep_liger_off_the_lm_head, pretrain_collate

logger = logging.getLogger(__name__)


class DomainPretrainer(StageSettings):
    """Continue causal-LM training of a base model on a security corpus.

    Texts are streamed from the source, tokenized, joined with EOS and packed
    into ``max_length`` blocks in a memory-mapped Arrow file (memory does not grow
    with the corpus); the loss is plain next-token prediction, taken through trl's
    chunked LM head on CUDA (``fused_lm_head``) so the vocabulary logits are never
    whole. Trains full weights or a peft adapter (LoRA, DoRA, QLoRA) as the stage's
    ``adapter`` says.

    Example:
        >>> stage = PretrainStage(data={"train": "builtin:corpus"}, trainer={"max_steps": 10})
        >>> ckpt = DomainPretrainer(stage, output_dir="runs/pt").run("smollm2-135m-instruct")
    """

    kind = "pretrain"

    config: PretrainStage

    def run(self, base: BaseSpec) -> Checkpoint:
        """Train on the stage's corpus starting from ``base``; return the saved checkpoint."""
        from transformers import Trainer

        from ..models import attach_adapter, load_model, load_tokenizer, resize_embeddings, stage_vocabulary

        cfg = self.config
        model_cfg = self._start(base)
        tokenizer = load_tokenizer(model_cfg)
        vocab = stage_vocabulary(cfg, tokenizer) if cfg.vocab is not None else None  # domain tokens (in place)
        args = build_training_args(
            cfg.trainer, output_dir=self._scratch, seed=self.seed, has_eval=cfg.data.eval is not None,
            global_batch_size=cfg.global_batch_size,
            prediction_loss_only=True,  # evaluation needs the loss only; never gather the logits
        )
        fused = cfg.fused_lm_head if cfg.fused_lm_head is not None else cuda_available()
        if fused:
            keep_liger_off_the_lm_head(args)
        # Stream the corpus into a memory-mapped Arrow file (the main process first, the others reuse it).
        with args.main_process_first(desc="packing the corpus"):
            train_ds, train_report = packed_corpus(cfg, "train", tokenizer, self._scratch / "data")  # type: ignore[misc]
            evaluation = packed_corpus(cfg, "eval", tokenizer, self._scratch / "data")
        eval_ds = evaluation[0] if evaluation else None
        logger.info("domain pre-training on %d blocks of %d tokens", len(train_ds), cfg.max_length)

        model = load_model(model_cfg, quantization=cfg.adapter.quantization)
        if vocab is not None:  # grow the embeddings; the new rows train beside the adapter
            resize_embeddings(model, tokenizer, vocab.tokens)
        model = attach_adapter(model, cfg.adapter, task="causal-lm", trainable_tokens=vocab.ids if vocab else None)
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=train_ds,
            eval_dataset=eval_ds,
            # Packed documents do not attend to each other where the attention honours it.
            data_collator=pretrain_collate(model, tokenizer.eos_token_id, document_mask=cfg.document_mask,
                                           fused_lm_head=fused),
            callbacks=self.callbacks,
        )
        if fused:  # after the trainer, as trl does: liger patches the model when the trainer is built
            add_chunked_lm_head(trainer.model)
        reports = [train_report] + ([evaluation[1]] if evaluation else [])
        return self._train_and_save(trainer, tokenizer, base, eval_ds, reports,
                                    data={"train_blocks": len(train_ds)},
                                    extra={"vocab": vocab.manifest()} if vocab is not None else None)
