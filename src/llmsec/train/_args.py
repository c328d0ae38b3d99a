"""A stage's ``trainer:`` mapping → ``TrainingArguments`` / ``trl.SFTConfig``, in one place."""

from __future__ import annotations

import dataclasses
import difflib
from functools import cache
from pathlib import Path
from typing import Any

from ._distributed import accumulation_steps, world_size

# Keys the recipe owns: setting them under ``trainer:`` would fight the recipe.
RESERVED = {
    "output_dir": "set the recipe's top-level output_dir",
    "seed": "set the recipe's top-level seed",
    "data_seed": "set the recipe's top-level seed",
    "max_length": "set the stage's max_length",
    "assistant_only_loss": "an instruct stage's loss is on the assistant turns, masked by trl or by llmsec "
    "as the chat template allows (docs/recipes.md, Multi-turn conversations)",
}

# CPU-friendly defaults; any of them can be overridden under ``trainer:``. ``disable_tqdm`` is left to
# transformers: a progress bar unless its logging is above WARNING or ``trainer: {disable_tqdm: true}``
# (a callback that ``replaces_printer``, as the CLI's rich bar, removes it: see ``run_training``).
DEFAULTS: dict[str, Any] = {
    "per_device_train_batch_size": 4,
    "per_device_eval_batch_size": 8,
    "num_train_epochs": 1,
    "learning_rate": 2e-4,
    "lr_scheduler_type": "cosine",
    "warmup_steps": 0,
    "logging_steps": 5,
    "save_strategy": "no",
    "report_to": "none",
    "dataloader_num_workers": 0,
    "optim": "adamw_torch",
}


def has_accelerator() -> bool:
    """Whether a CUDA or XPU device is present."""
    import torch

    return torch.cuda.is_available() or (hasattr(torch, "xpu") and torch.xpu.is_available())


def cuda_available() -> bool:
    """Whether a CUDA device is present (the GPU fast path applies only there)."""
    import torch

    return torch.cuda.is_available()


def merge_fast_path(trainer: dict[str, Any], stage_kind: str, *, cuda: bool) -> dict[str, Any]:
    """The GPU fast path's defaults (:func:`fast_path_settings`) with the user's ``trainer:`` keys laid over them.

    A user key also removes the fast-path keys tied to it: ``packing`` drops the
    packing strategy and padding-free batches, ``gradient_checkpointing`` drops
    ``activation_checkpointing``.
    """
    from ._fastpath import fast_path_settings

    fast = fast_path_settings(stage_kind, cuda=cuda)
    if "packing" in trainer:
        fast.pop("packing_strategy", None)
        fast.pop("padding_free", None)
    if "gradient_checkpointing" in trainer:
        fast.pop("activation_checkpointing", None)
    return {**fast, **trainer}


# transformers renamed gradient checkpointing (5.2x): both spellings are accepted under
# ``trainer:`` and passed on under the name the installed version has.
CHECKPOINTING_NAMES = {"gradient_checkpointing": "activation_checkpointing",
                       "gradient_checkpointing_kwargs": "activation_checkpointing_kwargs"}


@cache
def _fields(sft: bool) -> frozenset[str]:
    if sft:
        from trl import SFTConfig as cls
    else:
        from transformers import TrainingArguments as cls
    return frozenset(f.name for f in dataclasses.fields(cls) if f.init)


def allowed_keys(sft: bool) -> frozenset[str]:
    """Every field of ``TrainingArguments`` (or ``trl.SFTConfig`` when ``sft``), both checkpointing spellings."""
    return _fields(sft) | CHECKPOINTING_NAMES.keys() | frozenset(CHECKPOINTING_NAMES.values())


def installed_checkpointing_names(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with the checkpointing keys spelled as the installed transformers spells them.

    ``activation_checkpointing[_kwargs]`` since transformers 5.2x, ``gradient_checkpointing[_kwargs]``
    before (e.g. 5.17): the same setting.
    """
    new_names = "activation_checkpointing" in _fields(False)
    out = dict(kwargs)
    for old, new in CHECKPOINTING_NAMES.items():
        src, dst = (old, new) if new_names else (new, old)
        if src in out:
            value = out.pop(src)
            out.setdefault(dst, value)
    return out


# ``report_to`` integrations llmsec knows the package of: module name -> the pip requirement.
TRACKERS = {"tensorboard": "tensorboard", "mlflow": "mlflow", "wandb": "wandb", "trackio": "trackio",
            "comet_ml": "comet_ml", "clearml": "clearml", "dvclive": "dvclive", "swanlab": "swanlab"}


def check_report_to(report_to: Any) -> None:
    """Raise a clear error when a ``report_to`` tracker's package is not installed.

    ``none``/``all`` and unknown names are left to transformers (``all`` uses the
    installed ones). tensorboard is the ``tracking`` extra; the others are installed
    by name. The event files of ``tensorboard`` go to ``<stage>/_trainer/runs/``.

    Raises:
        MissingExtraError: a named tracker is not installed.
    """
    from .._optional import MissingExtraError, install_hint, is_available

    names = [report_to] if isinstance(report_to, str) else list(report_to or [])
    for name in names:
        if name not in TRACKERS:
            continue
        if name == "tensorboard":
            if not (is_available("tensorboard") or is_available("tensorboardX")):
                hint = install_hint("tensorboard")
                raise MissingExtraError(f"tensorboard is not installed: {hint}")
        elif not is_available(TRACKERS[name]):
            raise MissingExtraError(f"{name} is not installed: pip install {TRACKERS[name]}")


def check_trainer_keys(trainer: dict[str, Any], *, sft: bool, where: str = "trainer") -> list[str]:
    """Problems with a ``trainer:`` mapping: unknown or reserved keys, a tracker not installed (empty when fine)."""
    problems = []
    allowed = allowed_keys(sft)
    cls_name = "trl.SFTConfig" if sft else "transformers.TrainingArguments"
    for key in trainer:
        if key in RESERVED:
            problems.append(f"{where}.{key}: reserved by llmsec; {RESERVED[key]}")
        elif key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problems.append(f"{where}.{key}: not a field of {cls_name}.{hint}")
    if "report_to" in trainer:
        try:
            check_report_to(trainer["report_to"])
        except ImportError as exc:
            problems.append(f"{where}.report_to: {exc}")
    return problems


def build_training_args(
    trainer: dict[str, Any],
    *,
    output_dir: Path,
    seed: int,
    sft: bool = False,
    has_eval: bool = False,
    global_batch_size: int | None = None,
    stage_kind: str | None = None,
    args_class: type | None = None,
    **extra: Any,
) -> Any:
    """Build the Hugging Face arguments object for one stage.

    Args:
        trainer: the stage's ``trainer:`` mapping (validated here).
        output_dir: where the Hugging Face trainer writes its own checkpoints.
        seed: the recipe seed.
        sft: build a ``trl.SFTConfig`` instead of ``TrainingArguments``.
        has_eval: evaluate once per epoch (unless the mapping says otherwise).
        global_batch_size: samples per optimizer step over all processes; sets
            ``gradient_accumulation_steps`` for this run's world size.
        stage_kind: the stage's kind; on a CUDA device its fast-path defaults
            (:func:`llmsec.train._fastpath.fast_path_settings`) go under the
            ``trainer:`` keys. Default: ``"instruct"`` when ``sft``, else ``"pretrain"``.
        args_class: build this ``TrainingArguments`` subclass instead (e.g. ``trl.DPOConfig``; the
            ``trainer:`` keys are still checked against ``TrainingArguments``, the stage passes the
            class's own fields in ``extra``).
        **extra: stage-owned settings (e.g. ``max_length`` for SFT).

    Raises:
        ValueError: an unknown or reserved key, with a suggestion; a global batch
            that does not divide over the processes.
    """
    problems = check_trainer_keys(trainer, sft=sft)
    if problems:
        raise ValueError("invalid trainer settings:\n  " + "\n  ".join(problems))
    kwargs: dict[str, Any] = {**DEFAULTS, **extra}
    if has_eval:
        kwargs["eval_strategy"] = "epoch"
    kwargs.update(merge_fast_path(trainer, stage_kind or ("instruct" if sft else "pretrain"), cuda=cuda_available()))
    kwargs.update(output_dir=str(output_dir), seed=seed, data_seed=seed)
    if global_batch_size is not None:
        kwargs["gradient_accumulation_steps"] = accumulation_steps(
            global_batch_size, int(kwargs["per_device_train_batch_size"]), world_size()
        )
    # trl turns checkpointing on by default; on the CPU path it only costs time, so
    # it is opt-in here (``activation_checkpointing: true``).
    kwargs.setdefault("activation_checkpointing", kwargs.pop("gradient_checkpointing", False))
    kwargs = installed_checkpointing_names(kwargs)
    if not has_accelerator():
        # trl defaults to bf16 mixed precision, which the CPU path cannot use; pinned memory needs a device.
        kwargs.setdefault("bf16", False)
        kwargs.setdefault("dataloader_pin_memory", False)
        if world_size() > 1:  # several CPU processes: gloo workers (accelerate's MULTI_CPU)
            kwargs.setdefault("use_cpu", True)
    if args_class is not None:
        return args_class(**kwargs)
    if sft:
        from trl import SFTConfig

        return SFTConfig(**kwargs)
    from transformers import TrainingArguments

    return TrainingArguments(**kwargs)
