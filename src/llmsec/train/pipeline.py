"""Pipeline: chain stages so that each stage's checkpoint is the next stage's base."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._registry import Registry
from ..config import Recipe, StageConfig, dump_recipe
from ._checkpoint import Checkpoint, is_checkpoint, read_checkpoint
from ._common import BaseSpec
from ._preflight import preflight
from .domain_pretrainer import DomainPretrainer
from .instruction_tuner import InstructionTuner
from .transfer_trainer import TransferTrainer

logger = logging.getLogger(__name__)

STAGES: Registry[type] = Registry("stage")
STAGES.add("pretrain", DomainPretrainer)
STAGES.add("instruct", InstructionTuner)
STAGES.add("transfer", TransferTrainer)


class StageMismatchError(ValueError):
    """An existing stage checkpoint was made with a different config than the recipe's."""


class Pipeline:
    """Run a recipe's stages in order, each on the previous stage's checkpoint.

    Checkpoints go to ``<output_dir>/<i>-<stage name>/``; the resolved recipe
    (with library versions) is written to ``<output_dir>/recipe.yaml``. With
    ``resume=True`` a stage whose checkpoint already exists and matches its
    config is skipped; one that differs is an error naming the keys.
    """

    def __init__(self, recipe: Recipe, *, callbacks: Sequence[Any] = (), resume: bool = False) -> None:
        self.recipe = recipe
        self.callbacks = list(callbacks)
        self.resume = resume

    def stage_dir(self, index: int, stage: StageConfig) -> Path:
        """Where stage ``index`` writes its checkpoint."""
        return Path(self.recipe.output_dir) / f"{index}-{stage.label}"

    def build_stage(self, index: int, stage: StageConfig) -> Any:
        """The trainer object for one stage of the recipe."""
        cls = STAGES.get(stage.kind)
        return cls(stage, output_dir=self.stage_dir(index, stage), seed=self.recipe.seed,
                   model=self.recipe.model, callbacks=self.callbacks)

    def run(self) -> list[Checkpoint]:
        """Check the recipe, then run every stage; return the checkpoints in order."""
        problems = preflight(self.recipe)
        if problems:
            raise ValueError("the recipe cannot run:\n  " + "\n  ".join(problems))
        out = Path(self.recipe.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        dump_recipe(self.recipe, out / "recipe.yaml")
        base: BaseSpec = self.recipe.model
        checkpoints = []
        for index, stage in enumerate(self.recipe.stages):
            existing = self._existing(index, stage)
            if existing is not None:
                logger.info("stage %d (%s): reusing %s", index, stage.label, existing.path)
                checkpoint = existing
            else:
                logger.info("stage %d (%s): training on %s", index, stage.label, _name(base))
                checkpoint = self.build_stage(index, stage).run(base)
            checkpoints.append(checkpoint)
            base = checkpoint
        return checkpoints

    def _existing(self, index: int, stage: StageConfig) -> Checkpoint | None:
        path = self.stage_dir(index, stage)
        if not (self.resume and is_checkpoint(path)):
            return None
        checkpoint = read_checkpoint(path)
        saved, wanted = checkpoint.manifest["stage"], stage.model_dump(mode="json")
        diffs = _diff(saved, wanted)
        if diffs:
            raise StageMismatchError(
                f"{path} was trained with a different config than stage {index} ({stage.label}) "
                f"of the recipe: {'; '.join(diffs)}. Use a new output_dir, or remove that checkpoint."
            )
        return checkpoint


def _diff(saved: Any, wanted: Any, prefix: str = "") -> list[str]:
    if isinstance(saved, dict) and isinstance(wanted, dict):
        out = []
        for key in sorted(set(saved) | set(wanted)):
            out += _diff(saved.get(key), wanted.get(key), f"{prefix}{key}.")
        return out
    if saved != wanted:
        return [f"{prefix.rstrip('.')}: checkpoint has {saved!r}, recipe has {wanted!r}"]
    return []


def _name(base: BaseSpec) -> str:
    return str(getattr(base, "path", None) or getattr(base, "name", None) or base)


def train(recipe: Recipe | str | Path, *, overrides: Sequence[str] = (), callbacks: Sequence[Any] = (),
          resume: bool = False) -> list[Checkpoint]:
    """Run a recipe (object or YAML path) end to end; return its checkpoints."""
    if not isinstance(recipe, Recipe):
        from ..config import load_recipe

        recipe = load_recipe(recipe, list(overrides))
    return Pipeline(recipe, callbacks=callbacks, resume=resume).run()
