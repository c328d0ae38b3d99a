"""Pipeline: chain stages so that each stage's checkpoint is the next stage's base."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._process import is_main_process
from ..checkpoints import (
    BaseSpec,
    Checkpoint,
    StageMismatchError,
    available,
    config_diff,
    is_checkpoint,
    read_checkpoint,
    stage_output_dir,
    verify_final,
)
from ..config import STAGES, Recipe, StageConfig, dump_recipe
from ._preflight import preflight

logger = logging.getLogger(__name__)

__all__ = ["STAGES", "Pipeline", "train"]  # STAGES: the stage kinds, declared in llmsec.config


class Pipeline:
    """Run a recipe's stages in order, each on the previous stage's checkpoint.

    Checkpoints go to ``<output_dir>/<i>-<stage name>/``; the resolved recipe
    (with library versions) is written to ``<output_dir>/recipe.yaml``.

    ``resume``:
        - ``False``: train every stage from the start.
        - ``True``: a stage whose final checkpoint exists, matches its config and
          whose files match the sizes and SHA-256 its manifest records is reused (a
          config that differs is an error naming the keys; a damaged checkpoint or
          manifest is trained again, with a warning); the first stage
          without one continues from its latest good intermediate checkpoint
          (``save_steps``), or starts afresh when it has none.
        - a path: continue from that intermediate checkpoint (of one of this
          recipe's stages); the stages before it must be finished.
    """

    def __init__(self, recipe: Recipe, *, callbacks: Sequence[Any] = (),
                 resume: bool | str | Path = False) -> None:
        self.recipe = recipe
        self.callbacks = list(callbacks)
        self.resume = resume

    def stage_dir(self, index: int, stage: StageConfig) -> Path:
        """Where stage ``index`` writes its checkpoint."""
        return Path(self.recipe.output_dir) / f"{index}-{stage.label}"

    def build_stage(self, index: int, stage: StageConfig, resume: bool | str | Path = False) -> Any:
        """The trainer object for one stage of the recipe (its kind's registered trainer class)."""
        cls = STAGES.get(stage.kind).load_trainer()
        return cls(stage, output_dir=self.stage_dir(index, stage), seed=self.recipe.seed,
                   model=self.recipe.model, callbacks=self.callbacks, resume=resume,
                   record_samples=self.recipe.checkpointing.record_samples)

    def run(self) -> list[Checkpoint]:
        """Check the recipe, then run every stage; return the checkpoints in order."""
        problems = preflight(self.recipe)
        if problems:
            raise ValueError("the recipe cannot run:\n  " + "\n  ".join(problems))
        target = self._resume_target()
        out = Path(self.recipe.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        if is_main_process():
            dump_recipe(self.recipe, out / "recipe.yaml")
        base: BaseSpec = self.recipe.model
        checkpoints = []
        trained = False  # once a stage trains, the later ones start afresh
        for index, stage in enumerate(self.recipe.stages):
            if target is not None:
                resume: bool | str | Path = target[1] if index == target[0] else False
                must_exist = index < target[0]
            else:
                resume, must_exist = bool(self.resume) and not trained, False
            existing = self._existing(index, stage) if (resume is True or must_exist) else None
            if must_exist and existing is None:
                raise FileNotFoundError(
                    f"--resume {target[1]} continues stage {target[0]}, but stage {index} ({stage.label}) "
                    f"has no finished checkpoint in {self.stage_dir(index, stage)}: run it first "
                    "(llmsec train RECIPE --resume)"
                )
            if existing is not None:
                logger.info("stage %d (%s): reusing %s", index, stage.label, existing.path)
                checkpoint = existing
            else:
                logger.info("stage %d (%s): training on %s", index, stage.label, _name(base))
                checkpoint = self.build_stage(index, stage, resume).run(base)
                trained = True
            checkpoints.append(checkpoint)
            base = checkpoint
        return checkpoints

    def _resume_target(self) -> tuple[int, Path] | None:
        """(stage index, checkpoint path) for ``resume=PATH``; None for ``True``/``False``."""
        if isinstance(self.resume, bool):
            return None
        path = Path(self.resume)
        if not path.exists():
            raise FileNotFoundError(f"--resume {path}: no such checkpoint. " + self._available())
        resolved = path.resolve()
        for index, stage in enumerate(self.recipe.stages):
            if resolved.is_relative_to(self.stage_dir(index, stage).resolve()):
                return index, path
        raise ValueError(f"--resume {path}: not a checkpoint of this recipe (its stages write to "
                         f"{Path(self.recipe.output_dir)}/<i>-<stage>/). " + self._available())

    def _available(self) -> str:
        return " ".join(f"Stage {i} ({s.label}): " + available(stage_output_dir(self.stage_dir(i, s))[1])
                        for i, s in enumerate(self.recipe.stages))

    def _existing(self, index: int, stage: StageConfig) -> Checkpoint | None:
        path = self.stage_dir(index, stage)
        if not is_checkpoint(path):
            return None
        try:
            checkpoint = read_checkpoint(path)
            saved, wanted = checkpoint.manifest["stage"], stage.model_dump(mode="json")
            if not isinstance(saved, dict):
                raise TypeError(f"'stage' is {type(saved).__name__}, not a mapping")
        except (ValueError, KeyError, TypeError) as exc:  # valid JSON of the wrong shape, or not JSON
            logger.warning("stage %d (%s): the finished checkpoint %s is damaged (unreadable llmsec.json: %s: %s); "
                           "training it again", index, stage.label, path, type(exc).__name__, exc)
            return None
        diffs = config_diff(saved, wanted)
        if diffs:
            raise StageMismatchError(
                f"{path} was trained with a different config than stage {index} ({stage.label}) "
                f"of the recipe: {'; '.join(diffs)}. Use a new output_dir, or remove that checkpoint."
            )
        problem = verify_final(path, checkpoint.manifest)
        if problem is not None:
            logger.warning("stage %d (%s): the finished checkpoint %s is damaged (%s); training it again",
                           index, stage.label, path, problem)
            return None
        return checkpoint


def _name(base: BaseSpec) -> str:
    return str(getattr(base, "path", None) or getattr(base, "name", None) or base)


def train(recipe: Recipe | str | Path, *, overrides: Sequence[str] = (), callbacks: Sequence[Any] = (),
          resume: bool | str | Path = False) -> list[Checkpoint]:
    """Run a recipe (object or YAML path) end to end; return its checkpoints."""
    if not isinstance(recipe, Recipe):
        from ..config import load_recipe

        recipe = load_recipe(recipe, list(overrides))
    return Pipeline(recipe, callbacks=callbacks, resume=resume).run()
