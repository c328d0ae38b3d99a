"""A stage's final checkpoint: weights + tokenizer + ``llmsec.json``, written so a crash never lies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._process import is_main_process, world_size
from ..config import StageBase, package_versions
from ._base import BaseSpec, as_model_config, parent_of
from ._intermediate import file_digests
from ._manifest import MANIFEST, Checkpoint, now, read_checkpoint, write_manifest

#: ``(checkpoint directory, base name) -> manifest entries``, called once the weights are written.
DescribeBase = Callable[[Path, str], dict[str, Any]]


def stage_output_dir(output_dir: str | Path) -> tuple[Path, Path]:
    """The checkpoint directory and the Hugging Face trainer's scratch directory (intermediate checkpoints)."""
    out = Path(output_dir)
    return out, out / "_trainer"


def save_checkpoint(
    model: Any,
    tokenizer: Any,
    out: Path,
    *,
    stage: StageBase,
    base: BaseSpec,
    seed: int,
    data: dict[str, Any],
    metrics: dict[str, float],
    log_history: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
    trainer: Any = None,
    describe_base: DescribeBase | None = None,
) -> Checkpoint:
    """Save weights (adapter or full) + tokenizer + ``llmsec.json``; return the Checkpoint.

    With a ``trainer``, every process takes part in ``trainer.save_model`` (FSDP and
    DeepSpeed gather the weights) and only the main process writes. The manifest
    is removed first and written last, with each file's size and SHA-256, so a
    crash half-way never leaves a manifest beside weights it does not describe.

    Args:
        describe_base: called on the main process after the weights are written and before
            the manifest, with the directory and the base's name; what it returns goes into
            the manifest (the stages pass ``models.make_portable``, which points the saved
            adapter at a base that resolves on another machine).
    """
    main = trainer.is_world_process_zero() if trainer is not None else is_main_process()
    if main:
        out.mkdir(parents=True, exist_ok=True)
        (out / MANIFEST).unlink(missing_ok=True)
    if trainer is not None:
        trainer.save_model(str(out))
    elif main:
        model.save_pretrained(out)
    if main:
        (out / "training_args.bin").unlink(missing_ok=True)  # a pickle; the manifest records the recipe
        tokenizer.save_pretrained(out)
        base_cfg = as_model_config(base)
        described = describe_base(out, base_cfg.name) if describe_base is not None else {}
        manifest: dict[str, Any] = {
            "format_version": 1,
            "created": now(),
            "stage": stage.model_dump(mode="json"),
            "base": base_cfg.name,
            "parent": parent_of(base),
            **described,
            "adapter": stage.adapter.method,
            "seed": seed,
            "data": data,
            "metrics": metrics,
            "log_history": log_history,
            "versions": package_versions(),
            "distributed": distributed_info(trainer),
            **(extra or {}),
            "files": file_digests(out, recursive=False, skip=(MANIFEST,)),
        }
        write_manifest(out, manifest)
    if trainer is not None:
        trainer.accelerator.wait_for_everyone()
    return read_checkpoint(out)


def distributed_info(trainer: Any) -> dict[str, Any]:
    """World size, gradient accumulation and the resulting global batch of a run."""
    if trainer is None:
        return {"world_size": world_size()}
    args = trainer.args
    return {
        "world_size": int(args.world_size),
        "per_device_train_batch_size": int(args.per_device_train_batch_size),
        "gradient_accumulation_steps": int(args.gradient_accumulation_steps),
        "global_batch_size": int(args.per_device_train_batch_size * args.gradient_accumulation_steps
                                 * args.world_size),
    }
