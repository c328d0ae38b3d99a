"""Stage kinds, each declared once: ``kind``, config class, trainer class.

Every place that needs to know the stage kinds reads :data:`STAGES`: the recipe
schema's ``stages`` union (and so ``llmsec validate``, ``--schema`` and the
recipe reference), the YAML error hints, ``Pipeline``'s dispatch, preflight's
trainer-key check, the GPU fast path and the lazy ``llmsec.<Trainer>`` names.

A new stage is a config class (a :class:`~llmsec.config.StageBase` subclass with
a ``kind: Literal[...]`` field), a trainer class (``run(base) -> Checkpoint``),
and one :func:`register_stage` call. The trainer is named as ``"module:Class"``
and imported on first use, so the config layer never imports a trainer (nor
torch).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, Field

from .._registry import Registry

#: What a stage's model ends in: a language-model head (text out) or a classification head (labels out).
Head = Literal["causal-lm", "classifier"]


@dataclass(frozen=True)
class StageSpec:
    """The one declaration of a stage kind.

    Attributes:
        kind: the recipe's ``kind:`` value; equal to the default of the config class's ``kind`` field.
        config: the pydantic config class of the stage's recipe section.
        trainer: the class that runs the stage, as ``"package.module:Class"`` (imported on
            first use) or the class itself. It is built as ``Trainer(config, output_dir=...,
            seed=..., model=..., callbacks=..., resume=..., record_samples=...)`` (see
            ``llmsec.train.StageSettings``) and its ``run(base)`` returns a ``Checkpoint``.
        sft: the ``trainer:`` mapping is a ``trl.SFTConfig`` (else ``TrainingArguments``);
            preflight checks its keys against that class.
        fast_path: ``SFTConfig`` / ``TrainingArguments`` defaults this kind adds on a CUDA
            GPU, over the shared ones (``llmsec.train._fastpath.fast_path_settings``).
        head: what the stage's checkpoint ends in: ``"causal-lm"`` (it generates text) or
            ``"classifier"`` (a sequence-classification head over the task's labels). Whatever
            asks "is this checkpoint a classifier?" reads it (``Checkpoint.head``): the demo, the
            model card's pipeline tag and loading class, evaluate's choice of training data for
            its baseline.
    """

    kind: str
    config: type[BaseModel]
    trainer: str | type
    sft: bool = False
    fast_path: Mapping[str, Any] = field(default_factory=dict)
    head: Head = "causal-lm"

    def __post_init__(self) -> None:
        kind_field = self.config.model_fields.get("kind")
        literal = get_args(kind_field.annotation) if kind_field is not None else ()
        if literal != (self.kind,) or kind_field is None or kind_field.default != self.kind:
            raise ValueError(
                f"stage {self.kind!r}: its config class {self.config.__name__} needs the field "
                f'kind: Literal["{self.kind}"] = Field("{self.kind}", ...) (it picks the stage in a recipe)'
            )
        if self.head not in get_args(Head):
            raise ValueError(f"stage {self.kind!r}: head {self.head!r} is not one of {list(get_args(Head))}")
        if isinstance(self.trainer, str) and ":" not in self.trainer:
            raise ValueError(f"stage {self.kind!r}: trainer {self.trainer!r} is not 'package.module:Class'")
        object.__setattr__(self, "fast_path", MappingProxyType(dict(self.fast_path)))

    @property
    def trainer_name(self) -> str:
        """The trainer class's name (``DomainPretrainer``), without importing it."""
        if isinstance(self.trainer, str):
            return self.trainer.rpartition(":")[2]
        return self.trainer.__name__

    @property
    def trainer_module(self) -> str:
        """The module that defines the trainer class, without importing it."""
        if isinstance(self.trainer, str):
            return self.trainer.partition(":")[0]
        return self.trainer.__module__

    def load_trainer(self) -> type:
        """The trainer class (its module is imported now)."""
        if not isinstance(self.trainer, str):
            return self.trainer
        return getattr(importlib.import_module(self.trainer_module), self.trainer_name)


#: Every stage kind, in registration order (the order of the recipe schema's union).
STAGES: Registry[StageSpec] = Registry("stage")

_on_change: list[Callable[[], None]] = []


def register_stage(spec: StageSpec) -> StageSpec:
    """Declare a stage kind; the recipe schema accepts it from now on.

    Raises:
        ValueError: the kind is already registered, or the config class lacks its ``kind`` field.
    """
    STAGES.add(spec.kind, spec)
    _changed()
    return spec


def unregister_stage(kind: str) -> StageSpec:
    """Remove a stage kind (a plugin unloading, a test cleaning up); the schema no longer accepts it."""
    spec = STAGES.remove(kind)
    _changed()
    return spec


def stage_specs() -> list[StageSpec]:
    """Every declared stage kind, in registration order."""
    return [spec for _, spec in STAGES.items()]


def stage_spec(kind: str) -> StageSpec:
    """The declaration of ``kind``; an unknown kind lists the valid ones."""
    return STAGES.get(kind)


def stage_union() -> Any:
    """The type of one item of a recipe's ``stages``: the registered config classes, told apart by ``kind``."""
    configs = tuple(spec.config for spec in stage_specs())
    return Annotated[Union[configs], Field(discriminator="kind")]  # noqa: UP007 (a runtime-built union)


def on_stages_changed(callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever a stage kind is registered or removed (the recipe schema rebuilds)."""
    _on_change.append(callback)


def _changed() -> None:
    for callback in _on_change:
        callback()
