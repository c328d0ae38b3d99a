"""Plain functions the three stages share: data, base model, saving."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from ..config import ModelConfig, package_versions
from ..config._schema import _StageBase
from ..data import LoadReport, Record, fingerprint, load_records
from ._checkpoint import Checkpoint, is_checkpoint, now, read_checkpoint, write_manifest

logger = logging.getLogger(__name__)

BaseSpec = str | Path | ModelConfig | Checkpoint


def as_model_config(base: BaseSpec, template: ModelConfig | None = None) -> ModelConfig:
    """Normalise a stage's base (name, path, checkpoint or config) to a ModelConfig.

    ``template`` supplies dtype and trust settings when ``base`` is a bare name or path.
    """
    if isinstance(base, ModelConfig):
        return base
    name = str(base.path if isinstance(base, Checkpoint) else base)
    if template is None:
        return ModelConfig(name=name)
    return template.model_copy(update={"name": name, "gguf_file": None})


def parent_of(base: BaseSpec) -> str | None:
    """The parent checkpoint path when the base is an llmsec checkpoint."""
    if isinstance(base, Checkpoint):
        return str(base.path)
    name = base.name if isinstance(base, ModelConfig) else str(base)
    return name if is_checkpoint(name) else None


def load_split(stage: _StageBase, which: str) -> tuple[list[Record], LoadReport] | None:
    """Load the stage's ``train`` or ``eval`` data (None when no eval set is given)."""
    source = getattr(stage.data, which)
    if source is None:
        return None
    records, report = load_records(
        source, stage.data.format, max_samples=stage.data.max_samples, **stage.data.options
    )
    if report.rejected:
        logger.warning("%s", report.summary())
    return records, report


def data_manifest(stage: _StageBase, reports: list[LoadReport]) -> dict[str, Any]:
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


def save_checkpoint(
    model: Any,
    tokenizer: Any,
    out: Path,
    *,
    stage: _StageBase,
    base: BaseSpec,
    seed: int,
    data: dict[str, Any],
    metrics: dict[str, float],
    log_history: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> Checkpoint:
    """Save weights (adapter or full) + tokenizer + ``llmsec.json``; return the Checkpoint."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    base_cfg = as_model_config(base)
    manifest: dict[str, Any] = {
        "format_version": 1,
        "created": now(),
        "stage": stage.model_dump(mode="json"),
        "base": base_cfg.name,
        "parent": parent_of(base),
        "adapter": stage.adapter.method,
        "seed": seed,
        "data": data,
        "metrics": metrics,
        "log_history": log_history,
        "versions": package_versions(),
        **(extra or {}),
    }
    write_manifest(out, manifest)
    return read_checkpoint(out)


def stage_output_dir(output_dir: str | Path) -> tuple[Path, Path]:
    """The checkpoint directory and the Hugging Face trainer's scratch directory."""
    out = Path(output_dir)
    return out, out / "_trainer"
