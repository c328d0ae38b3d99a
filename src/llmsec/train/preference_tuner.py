"""Preference tuning: DPO or KTO on preference pairs with trl's ``DPOTrainer`` / ``KTOTrainer``."""

from __future__ import annotations

import dataclasses
import difflib
import logging
from typing import Any

from ..config import PreferenceStage
from ..data import EmptyDatasetError, LoadReport, Preference, Record, Rejection
from ._args import build_training_args
from ._checkpoint import Checkpoint
from ._common import (
    BaseSpec,
    StageSettings,
    data_manifest,
    final_evaluation,
    final_metrics,
    load_split,
    run_training,
    save_checkpoint,
)

logger = logging.getLogger(__name__)


class PreferenceTuner(StageSettings):
    """Tune a causal LM to prefer the chosen answer of each pair over the rejected one (DPO), or
    desirable completions over undesirable ones (KTO).

    The records are :class:`~llmsec.data.Preference` judgements (formats ``preference``,
    ``juliet-pairs``, or canonical ``jsonl``). With a chat template, each prompt becomes a
    user turn (after the stage's ``system_prompt``) and each answer an assistant turn; trl
    applies the template. A prompt over ``max_prompt_length`` tokens is rejected and counted
    in the load report with its file and line.

    The reference model is the stage's base: in a ``Pipeline``, the previous stage's
    checkpoint. With a peft adapter trl keeps a frozen copy of the fresh adapter (``ref``),
    dropped before saving; with ``full`` a second frozen copy of the base is loaded.

    When ``data.options`` asks for ``split: train`` of a splitting format, ``data.eval`` is read
    with ``split: test``: the held-out side of the same split by group.
    """

    kind = "preference"

    config: PreferenceStage

    def run(self, base: BaseSpec) -> Checkpoint:
        """Tune ``base`` on the stage's preferences; return the saved checkpoint."""
        from trl import DPOConfig, DPOTrainer, KTOConfig, KTOTrainer

        from ..models import attach_adapter, load_model, load_tokenizer

        cfg = self.config
        model_cfg = self._start(base)
        tokenizer = load_tokenizer(model_cfg)
        chat = bool(getattr(tokenizer, "chat_template", None))
        train_records, train_report = load_split(cfg, "train")  # type: ignore[misc]
        evaluation = load_split(cfg, "eval")

        def rows(records: list[Record], report: LoadReport) -> Any:
            from datasets import Dataset

            kept = within_budget(preferences(records, report), report, tokenizer, cfg, chat=chat)
            return Dataset.from_list(preference_rows(kept, cfg.method, chat=chat, system_prompt=cfg.system_prompt))

        train_ds = rows(train_records, train_report)
        eval_ds = rows(*evaluation) if evaluation else None
        logger.info("%s on %d rows (%s)", cfg.method, len(train_ds), "chat" if chat else "plain text")
        for report in [train_report] + ([evaluation[1]] if evaluation else []):
            if report.rejected:
                logger.warning("%s", report.summary())

        model = load_model(model_cfg, quantization=cfg.adapter.quantization)
        ref_model = None
        if cfg.adapter.method == "full":  # trl would reload the base by its name; give it the one we resolved
            ref_model = load_model(model_cfg).eval()
        model = attach_adapter(model, cfg.adapter, task="causal-lm")
        args_class = DPOConfig if cfg.method == "dpo" else KTOConfig
        args = build_training_args(
            cfg.trainer,
            output_dir=self._scratch,
            seed=self.seed,
            has_eval=eval_ds is not None,
            global_batch_size=cfg.global_batch_size,
            stage_kind=self.kind,
            args_class=args_class,
            **method_settings(cfg, args_class),
        )
        trainer_cls = DPOTrainer if cfg.method == "dpo" else KTOTrainer
        trainer = trainer_cls(
            model=model,
            ref_model=ref_model,
            args=args,
            train_dataset=train_ds,
            eval_dataset=eval_ds,
            processing_class=tokenizer,
            callbacks=self.callbacks,
        )
        output = run_training(trainer, cfg, self._scratch, seed=self.seed, resume=self.resume,
                              record_samples=self.record_samples)
        eval_metrics = final_evaluation(trainer, eval_ds)
        drop_reference_adapter(trainer.model)
        reports = [train_report] + ([evaluation[1]] if evaluation else [])
        return save_checkpoint(
            trainer.model,
            tokenizer,
            self.output_dir,
            stage=cfg,
            base=base,
            seed=self.seed,
            data={**data_manifest(cfg, reports), "train_rows": len(train_ds),
                  "eval_rows": len(eval_ds) if eval_ds is not None else 0},
            metrics={**final_metrics(output, eval_metrics), **preference_metrics(trainer.state.log_history)},
            log_history=trainer.state.log_history,
            extra={"preference": {"method": cfg.method, "loss_type": args.loss_type, "beta": args.beta}},
            trainer=trainer,
        )


def method_settings(cfg: PreferenceStage, args_class: type) -> dict[str, Any]:
    """The ``DPOConfig`` / ``KTOConfig`` fields the stage sets: lengths, beta, loss, KTO weights, ``method_args``.

    Raises:
        ValueError: a ``method_args`` key that is not a field of the class, or one the stage owns.
    """
    settings: dict[str, Any] = {"max_length": cfg.max_length, "beta": cfg.beta}
    if cfg.loss_type is not None:
        settings["loss_type"] = cfg.loss_type
    if cfg.method == "kto":
        settings.update(desirable_weight=cfg.desirable_weight, undesirable_weight=cfg.undesirable_weight)
    fields = {f.name for f in dataclasses.fields(args_class) if f.init}
    problems = []
    for key in cfg.method_args:
        if key in settings or key in ("desirable_weight", "undesirable_weight"):
            problems.append(f"method_args.{key}: set it as the stage's own key {key!r}")
        elif key not in fields:
            close = difflib.get_close_matches(key, sorted(fields), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problems.append(f"method_args.{key}: not a field of trl.{args_class.__name__}.{hint}")
    if problems:
        raise ValueError("invalid preference settings:\n  " + "\n  ".join(problems))
    return {**settings, **cfg.method_args}


def preferences(records: list[Record], report: LoadReport) -> list[Preference]:
    """The records, which must all be :class:`Preference` judgements.

    Raises:
        TypeError: another record type (e.g. a Conversation), naming the formats that give preferences.
    """
    other = next((r for r in records if not isinstance(r, Preference)), None)
    if other is not None:
        raise TypeError(
            f"{report.source}: the preference stage needs Preference records (prompt + chosen/rejected, or "
            f"prompt + completion/label), got a {type(other).__name__}; read the data with format "
            "'preference', 'juliet-pairs' or canonical 'jsonl' rows with a 'prompt'"
        )
    return records  # type: ignore[return-value]


def _messages(prompt: str, system_prompt: str | None) -> list[dict[str, str]]:
    turns = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return [*turns, {"role": "user", "content": prompt}]


def within_budget(records: list[Preference], report: LoadReport, tokenizer: Any, cfg: PreferenceStage, *,
                  chat: bool) -> list[Preference]:
    """The records whose prompt fits ``max_prompt_length`` tokens; the others are counted as rejected.

    Raises:
        EmptyDatasetError: no record is left.
    """
    kept = []
    for i, record in enumerate(records):
        if chat:
            ids = tokenizer.apply_chat_template(_messages(record.prompt, cfg.system_prompt),
                                                add_generation_prompt=True, tokenize=True)
            ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
        else:
            ids = tokenizer(record.prompt, add_special_tokens=False)["input_ids"]
        if len(ids) > cfg.max_prompt_length:
            where = (str(record.meta.get("file", report.source)), int(record.meta.get("line", i + 1)))
            report.rejections.append(Rejection(*where, f"prompt of {len(ids)} tokens is over the budget of "
                                                       f"{cfg.max_prompt_length} (max_prompt_length)"))
            report.loaded -= 1
            continue
        kept.append(record)
    if not kept:
        raise EmptyDatasetError(f"{report.source}: no preference fits the prompt budget of {cfg.max_prompt_length} "
                                f"tokens.\n{report.summary()}")
    return kept


def preference_rows(records: list[Preference], method: str, *, chat: bool,
                    system_prompt: str | None = None) -> list[dict[str, Any]]:
    """trl's dataset rows: ``prompt/chosen/rejected`` (DPO) or ``prompt/completion/label`` (KTO).

    For KTO a pair becomes two rows (chosen: desirable, rejected: undesirable). With ``chat``,
    the texts become conversational turns (trl applies the chat template).

    Raises:
        ValueError: an unpaired judgement given to DPO.
    """
    def prompt(r: Preference) -> Any:
        return _messages(r.prompt, system_prompt) if chat else r.prompt

    def answer(text: str) -> Any:
        return [{"role": "assistant", "content": text}] if chat else text

    out: list[dict[str, Any]] = []
    for r in records:
        if method == "dpo":
            if not r.paired:
                raise ValueError(
                    f"{r.meta.get('file', '')}:{r.meta.get('line', '?')}: DPO needs (prompt, chosen, rejected) "
                    "pairs, got an unpaired (completion, label) judgement; use method: kto"
                )
            out.append({"prompt": prompt(r), "chosen": answer(r.chosen), "rejected": answer(r.rejected)})
        elif r.paired:
            out.append({"prompt": prompt(r), "completion": answer(r.chosen), "label": True})
            out.append({"prompt": prompt(r), "completion": answer(r.rejected), "label": False})
        else:
            out.append({"prompt": prompt(r), "completion": answer(r.completion), "label": bool(r.label)})
    return out


def drop_reference_adapter(model: Any) -> None:
    """Remove the frozen ``ref`` adapter trl adds beside a peft model's own, so only the trained one is saved."""
    if "ref" in getattr(model, "peft_config", {}):
        model.delete_adapter("ref")
        model.set_adapter("default")


def preference_metrics(log_history: list[dict[str, Any]]) -> dict[str, float]:
    """The last logged reward accuracy and margin (DPO) or KL (KTO) of training, where trl logged them."""
    out: dict[str, float] = {}
    for entry in reversed(log_history):
        for key in ("rewards/accuracies", "rewards/margins", "kl", "rewards/chosen", "rewards/rejected"):
            name = "train_" + key.replace("rewards/", "reward_")
            if key in entry and name not in out and isinstance(entry[key], int | float):
                out[name] = float(entry[key])
    return out
