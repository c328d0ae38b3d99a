"""Checks that run before any training, so a bad recipe fails in seconds, not hours."""

from __future__ import annotations

from ..config import Recipe, stage_spec
from ..data import FORMATS, TASKS, get_task, pick_format, resolve_source
from ._args import check_trainer_keys


def preflight(recipe: Recipe, *, check_model: bool = True) -> list[str]:
    """Every problem that would stop the recipe (empty when it can run).

    Checks trainer keys, data files and formats, task names, and that the base
    model can be found (resolving a built-in model converts it once).
    """
    problems: list[str] = []
    for i, stage in enumerate(recipe.stages):
        where = f"stages.{i}"
        problems += check_trainer_keys(stage.trainer, sft=stage_spec(stage.kind).sft, where=f"{where}.trainer")
        for which in ("train", "eval"):
            source = getattr(stage.data, which)
            if source is None:
                continue
            try:
                path = resolve_source(source)
            except (FileNotFoundError, ValueError) as exc:  # unknown builtin:, hf: id not cached or malformed
                problems.append(f"{where}.data.{which}: {exc}")
                continue
            if not path.exists():
                problems.append(f"{where}.data.{which}: file not found: {source}")
                continue
            if stage.data.format is None:
                task = getattr(stage, "task", None)
                try:  # the rule every reader uses: suffix, columns option, then the stage task's format
                    pick_format(source, None, task=get_task(task) if task in TASKS else None,
                                options=stage.data.options)
                except ValueError as exc:
                    problems.append(f"{where}.data.format: {exc}")
        if stage.data.format is not None and stage.data.format not in FORMATS:
            problems.append(f"{where}.data.format: {FORMATS.unknown_message(stage.data.format)}")
        task = getattr(stage, "task", None)
        if task is not None and task not in TASKS:
            problems.append(f"{where}.task: {TASKS.unknown_message(task)}")
    if check_model:
        from ..models import ModelNotFoundError, resolve_model

        try:
            resolve_model(recipe.model.name, gguf_file=recipe.model.gguf_file)
        except ModelNotFoundError as exc:
            problems.append(f"model.name: {exc}")
    return problems
