"""Plain functions the stages share: data, base model, the resumable training run.

Checkpoints (the final save, intermediate commits, resume) live in :mod:`llmsec.checkpoints`.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from .._process import barrier, is_main_process, world_size
from ..checkpoints import BaseSpec, Checkpoint, as_model_config, parent_of, stage_output_dir, train_with_checkpoints
from ..checkpoints import save_checkpoint as _save_checkpoint
from ..config import ModelConfig, StageBase
from ..data import LoadReport, Record, fingerprint, load_records
from ..models._portable import make_portable

# Checkpoint code lives in llmsec.checkpoints; the names stay importable from here (the stages use them).
__all__ = ["BaseSpec", "Checkpoint", "StageSettings", "apply_stage_levers", "as_model_config", "data_manifest",
           "final_evaluation", "final_metrics", "load_split", "parent_of", "resolve_once", "run_training",
           "save_checkpoint", "stage_output_dir"]

logger = logging.getLogger(__name__)

def resolve_once(model_cfg: ModelConfig) -> None:
    """In a multi-process run, resolve the base model on rank 0 first while the others wait.

    Resolving a built-in model converts it, and an adapter checkpoint is merged into
    its base, once into ``llmsec_home()``; transformers writes such files on rank 0
    only, so the other ranks must not race it. Needs ``LLMSEC_HOME`` on a filesystem
    every node shares (the default home is fine on one machine).
    """
    if world_size() <= 1:
        return
    from accelerate import PartialState

    from ..models import resolve_model
    from ._args import has_accelerator

    PartialState(cpu=not has_accelerator())  # joins the process group the trainer will use
    if is_main_process():
        resolve_model(model_cfg.name, gguf_file=model_cfg.gguf_file)
    barrier()


def load_split(stage: StageBase, which: str) -> tuple[list[Record], LoadReport] | None:
    """Load the stage's ``train`` or ``eval`` data (None when no eval set is given).

    When the stage names a task, each record is turned into the task's own
    (``Task.adapt``: e.g. an NVD record's CVSS vector becomes the label of
    ``cvss-predict``); records the task refuses count as rejected.

    A format that splits its source itself (``juliet-pairs``, ``preference``) and is
    asked for ``split: train`` is read for ``eval`` with ``split: test``: the held-out
    side of the same split, never the training side again.
    """
    source = getattr(stage.data, which)
    if source is None:
        return None
    options = dict(stage.data.options)
    if which == "eval" and options.get("split") == "train":
        options["split"] = "test"
    records, report = load_records(
        source, stage.data.format, task=getattr(stage, "task", None), max_samples=stage.data.max_samples,
        **options,
    )
    if report.rejected:
        logger.warning("%s", report.summary())
    return records, report


def data_manifest(stage: StageBase, reports: list[LoadReport]) -> dict[str, Any]:
    """Where the stage's data came from, its fingerprints and load counts."""
    out: dict[str, Any] = {"format": stage.data.format}
    for which in ("train", "eval"):
        source = getattr(stage.data, which)
        if source is not None:
            out[which] = {"source": source, "fingerprint": fingerprint(source)}
    out["counts"] = [
        {"source": r.source, "read": r.read, "loaded": r.loaded, "rejected": r.rejected}
        for r in reports
    ]
    return out


def final_metrics(train_output: Any, eval_metrics: dict[str, float] | None) -> dict[str, float]:
    """Training loss, runtime and (when evaluated) eval loss and perplexity."""
    metrics: dict[str, float] = {
        "train_loss": float(train_output.training_loss),
        "train_runtime_s": float(train_output.metrics.get("train_runtime", 0.0)),
        "train_steps": int(train_output.global_step),
    }
    for key, value in (eval_metrics or {}).items():
        if isinstance(value, int | float):
            metrics[key] = float(value)
    if "eval_loss" in metrics:
        metrics["eval_perplexity"] = math.exp(min(metrics["eval_loss"], 50.0))
    return metrics


def save_checkpoint(*args: Any, **kwargs: Any) -> Checkpoint:
    """:func:`llmsec.checkpoints.save_checkpoint`, the saved adapter pointed at a portable base.

    ``describe_base`` defaults to :func:`llmsec.models.make_portable`: the adapter's
    ``base_model_name_or_path`` names a base that resolves on another machine, and the
    manifest records the local copy and the chain of earlier stages. With a ``trainer`` whose
    stage switched levers on, the manifest records what each did (``levers``).
    """
    kwargs.setdefault("describe_base", make_portable)
    levers = getattr(kwargs.get("trainer"), "llmsec_levers", None)
    if levers:  # what each of the stage's levers did (apply_stage_levers)
        kwargs["extra"] = {**(kwargs.get("extra") or {}), "levers": levers}
    return _save_checkpoint(*args, **kwargs)


def run_training(trainer: Any, stage: StageBase, scratch: Path, *, seed: int,
                 resume: bool | str | Path = False, record_samples: bool = False) -> Any:
    """``trainer.train()`` with atomic checkpoints, resume and an optional sample ledger.

    :func:`llmsec.checkpoints.train_with_checkpoints` (see it for the arguments), after
    transformers' own progress printer is dropped where a callback replaces it.
    """
    _drop_printer_if_replaced(trainer)
    apply_stage_levers(trainer, stage)
    return train_with_checkpoints(trainer, stage, scratch, seed=seed, resume=resume, record_samples=record_samples)


def apply_stage_levers(trainer: Any, stage: StageBase) -> dict[str, str]:
    """Switch on the stage's ``levers:`` on ``trainer.model`` (in place) and log what each did.

    Called by :func:`run_training` once the trainer is built and before it trains; the
    report is kept as ``trainer.llmsec_levers`` and :func:`save_checkpoint` writes it into
    ``llmsec.json`` (``levers``). No levers: nothing happens.
    """
    if not stage.levers:
        return {}
    from ._fastpath import apply_training_levers

    report = apply_training_levers(trainer.model, list(stage.levers), device_type=trainer.args.device.type)
    for lever, what in report.items():
        logger.info("lever %s: %s", lever, what)
    trainer.llmsec_levers = report
    return report


def final_evaluation(trainer: Any, eval_dataset: Any) -> dict[str, float] | None:
    """The evaluation at the last step: reuse the trainer's own when it just ran one, else run it."""
    if eval_dataset is None:
        return None
    evals = [h for h in trainer.state.log_history if "eval_loss" in h]
    if evals and evals[-1].get("step") == trainer.state.global_step:
        return evals[-1]
    return trainer.evaluate()


def _drop_printer_if_replaced(trainer: Any) -> None:
    """Remove transformers' log printer and tqdm bar when a callback already shows progress (``replaces_printer``).

    Without such a callback (a Python user's run), transformers' own bar stays, unless
    ``trainer: {disable_tqdm: true}``.
    """
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    handlers = trainer.callback_handler.callbacks
    if any(getattr(cb, "replaces_printer", False) for cb in handlers):
        for cb in list(handlers):
            if isinstance(cb, PrinterCallback | ProgressCallback) or type(cb).__name__ == "NotebookProgressCallback":
                trainer.remove_callback(cb)


class StageSettings:
    """What every stage is constructed with: its config, where it writes, seed, base template, callbacks.

    The three stages derive from this one small class for their shared
    constructor; each adds only its ``kind`` and ``run``.

    Args:
        config: the stage's typed config.
        output_dir: the checkpoint directory (the Hugging Face trainer works in ``<output_dir>/_trainer``).
        seed: the recipe seed.
        model: dtype / trust settings applied when the base is a bare name or path.
        callbacks: Hugging Face ``TrainerCallback`` objects (progress, logging).
        resume: False (start afresh), True (latest good checkpoint) or a checkpoint path.
        record_samples: log which samples trained each step (resume tests).
    """

    def __init__(
        self,
        config: Any,
        *,
        output_dir: str | Path,
        seed: int = 42,
        model: ModelConfig | None = None,
        callbacks: Any = (),
        resume: bool | str | Path = False,
        record_samples: bool = False,
    ) -> None:
        self.config = config
        self.output_dir, self._scratch = stage_output_dir(output_dir)
        self.seed = seed
        self.model_template = model
        self.callbacks = list(callbacks)
        self.resume = resume
        self.record_samples = record_samples

    def _start(self, base: BaseSpec) -> ModelConfig:
        """Seed, normalise ``base`` and make sure it is loadable (converted / merged once)."""
        from transformers import set_seed

        set_seed(self.seed)
        model_cfg = as_model_config(base, self.model_template)
        resolve_once(model_cfg)  # merge / convert the base on one process, the others reuse it
        return model_cfg

    def _train_and_save(self, trainer: Any, tokenizer: Any, base: BaseSpec, eval_dataset: Any,
                        reports: list[LoadReport], *, data: dict[str, Any] | None = None,
                        extra: dict[str, Any] | None = None) -> Checkpoint:
        """Train (resumable), evaluate at the end, save the checkpoint and its manifest."""
        output = run_training(trainer, self.config, self._scratch, seed=self.seed, resume=self.resume,
                              record_samples=self.record_samples)
        eval_metrics = final_evaluation(trainer, eval_dataset)
        return save_checkpoint(
            trainer.model,
            tokenizer,
            self.output_dir,
            stage=self.config,
            base=base,
            seed=self.seed,
            data={**data_manifest(self.config, reports), **(data or {})},
            metrics=final_metrics(output, eval_metrics),
            log_history=trainer.state.log_history,
            extra=extra,
            trainer=trainer,
        )
