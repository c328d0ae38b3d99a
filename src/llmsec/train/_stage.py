"""The Stage protocol every trainer class satisfies."""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from ..checkpoints import BaseSpec, Checkpoint


@runtime_checkable
class Stage(Protocol):
    """One adaptation stage: takes a base model, returns the checkpoint it trained.

    ``base`` may be a built-in name, a Hugging Face id or path, a ModelConfig,
    or the Checkpoint of an earlier stage.
    """

    kind: ClassVar[str]

    def run(self, base: BaseSpec) -> Checkpoint: ...
