"""What a stage starts from: a built-in name, a Hugging Face id or path, a ModelConfig, or a Checkpoint."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import ModelConfig
from ._manifest import Checkpoint, is_checkpoint

#: A stage's base model, in any of the forms a user or an earlier stage gives it.
BaseSpec = str | Path | ModelConfig | Checkpoint


def as_model_config(base: BaseSpec | os.PathLike[str], template: ModelConfig | None = None) -> ModelConfig:
    """Normalise a base (name, path, checkpoint or config) to a ModelConfig.

    This is the one conversion: stages, model loading and evaluation all use it.

    Args:
        base: a ModelConfig (returned as it is), a Checkpoint (its directory), or a name or path.
        template: settings (dtype, trust, attention...) applied when ``base`` is not a ModelConfig;
            its ``gguf_file`` is dropped, since it names a file of the template's own model.
    """
    if isinstance(base, ModelConfig):
        return base
    name = os.fspath(base.path) if isinstance(base, Checkpoint) else os.fspath(base)
    if template is None:
        return ModelConfig(name=name)
    return template.model_copy(update={"name": name, "gguf_file": None})


def parent_of(base: BaseSpec) -> str | None:
    """The parent checkpoint path when the base is an llmsec checkpoint."""
    if isinstance(base, Checkpoint):
        return str(base.path)
    name = base.name if isinstance(base, ModelConfig) else str(base)
    return name if is_checkpoint(name) else None
