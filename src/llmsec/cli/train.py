"""``llmsec train RECIPE.yaml``: run a recipe's stages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._errors import user_errors


@app.command()
def train(
    recipe: Annotated[Path, typer.Argument(help="The YAML recipe.", exists=False)],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a key: stages.0.trainer.max_steps=5")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Reuse stage checkpoints that already match the recipe.")
    ] = False,
) -> None:
    """Train every stage of RECIPE; each stage's checkpoint is the next stage's base."""
    from rich.console import Console
    from rich.table import Table

    from ..config import load_recipe
    from ..train import Pipeline
    from ._progress import RichProgress

    console = Console()
    with user_errors():
        cfg = load_recipe(recipe, set_ or [])
        console.print(f"[bold]llmsec train[/] {cfg.name}: {len(cfg.stages)} stage(s) on {cfg.model.name}")
        checkpoints = Pipeline(cfg, callbacks=[RichProgress()], resume=resume).run()
    table = Table(title="checkpoints")
    for col in ("stage", "checkpoint", "train loss", "eval loss", "steps", "seconds"):
        table.add_column(col)
    for ckpt in checkpoints:
        m = ckpt.metrics
        table.add_row(ckpt.kind, str(ckpt.path), f"{m.get('train_loss', float('nan')):.4f}",
                      f"{m['eval_loss']:.4f}" if "eval_loss" in m else "—", str(m.get("train_steps", "")),
                      f"{m.get('train_runtime_s', 0):.0f}")
    console.print(table)
