"""``llmsec train RECIPE.yaml``: run a recipe's stages (on one process, or many through a launcher)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._errors import user_errors


@app.command()
def train(
    recipe: Annotated[Path, typer.Argument(help="The YAML recipe.", exists=False)],
    checkpoint: Annotated[
        Path | None,
        typer.Argument(help="With --resume: the intermediate checkpoint to continue from (default: latest good).",
                       show_default=False),
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a key: stages.0.trainer.max_steps=5")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Reuse finished stages and continue the interrupted one from its "
                                            "latest good checkpoint (or from CHECKPOINT).")
    ] = False,
    trust_remote_code: Annotated[
        bool, typer.Option("--trust-remote-code", help="Allow the base model to run its own Python code "
                                                       "(off by default; only for models you trust).")
    ] = False,
    launcher: Annotated[
        str | None, typer.Option(help="Re-run this command under 'accelerate' (launch) or 'torchrun'.")
    ] = None,
    num_processes: Annotated[int, typer.Option(help="Processes for --launcher (e.g. GPUs on this machine).")] = 1,
    accelerate_config: Annotated[
        Path | None, typer.Option(help="An accelerate config for --launcher accelerate (examples/accelerate/).")
    ] = None,
    grid: Annotated[
        list[str] | None,
        typer.Option(help="Choose settings on the validation split: train once per combination of "
                          "key=v1,v2 values (repeatable) and keep the best by --grid-metric."),
    ] = None,
    grid_metric: Annotated[
        str, typer.Option(help="The last stage's validation metric a --grid compares: a registered metric "
                          "with its eval_ prefix (eval_loss, eval_f1_macro); its registered direction decides."),
    ] = "eval_loss",
) -> None:
    """Train every stage of RECIPE; each stage's checkpoint is the next stage's base.

    Multi-GPU: ``llmsec train R.yaml --launcher accelerate --num-processes 4`` (or run
    ``accelerate launch -m llmsec train R.yaml`` / ``torchrun -m llmsec train R.yaml`` yourself).
    """
    if checkpoint is not None and not resume:
        with user_errors():
            raise ValueError(f"a checkpoint ({checkpoint}) was given without --resume: "
                             f"use `llmsec train {recipe} --resume {checkpoint}`")
    if launcher is not None:
        _relaunch(recipe, checkpoint, set_ or [], resume, trust_remote_code, launcher, num_processes,
                  accelerate_config)
        return
    if accelerate_config is not None:
        with user_errors():
            raise ValueError("--accelerate-config needs --launcher accelerate")
    if grid:
        _grid(recipe, set_ or [], grid, grid_metric)
        return
    _train(recipe, checkpoint, set_ or [], resume, trust_remote_code)


def _grid(recipe: Path, overrides: list[str], grid: list[str], metric: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ..config import load_recipe
    from ..train import grid_search, parse_grid
    from ._progress import RichProgress

    console = Console()
    with user_errors():
        cfg = load_recipe(recipe, overrides)
        result = grid_search(cfg, parse_grid(grid), metric=metric, callbacks=[RichProgress()])
    table = Table(title=f"grid on the validation split: {escape(metric)}")
    for col in ("trial", "settings", metric, "checkpoint"):
        table.add_column(col)
    for i, trial in enumerate(result.trials):
        mark = " (best)" if i == result.best else ""
        table.add_row(f"{i}{mark}", escape(", ".join(trial["overrides"])), f"{trial['value']:.4f}",
                      escape(trial["output_dir"]))
    console.print(table)
    console.print(escape(f"best recipe: {Path(cfg.output_dir) / 'best.yaml'}; all trials: "
                         f"{Path(cfg.output_dir) / 'grid.json'}"))


def _train(recipe: Path, checkpoint: Path | None, overrides: list[str], resume: bool,
           trust_remote_code: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ..config import load_recipe
    from ..train import Pipeline
    from ._progress import RichProgress

    main = int(os.environ.get("RANK", "0")) == 0
    console = Console(quiet=not main)
    if not main:
        import logging

        logging.getLogger("llmsec").setLevel(logging.WARNING)  # one process logs progress
    if trust_remote_code:
        overrides = [*overrides, "model.trust_remote_code=true"]
    with user_errors():  # CheckpointError is an OSError
        cfg = load_recipe(recipe, overrides)
        console.print(f"[bold]llmsec train[/] {escape(cfg.name)}: {len(cfg.stages)} stage(s) on "
                      f"{escape(cfg.model.name)}")
        if cfg.model.trust_remote_code:
            console.print("[yellow]trust_remote_code is on: the model's own Python code will run[/]")
        target: bool | Path = checkpoint if checkpoint is not None else resume
        checkpoints = Pipeline(cfg, callbacks=[RichProgress()], resume=target).run()
    table = Table(title="checkpoints")
    for col in ("stage", "checkpoint", "train loss", "eval loss", "steps", "seconds"):
        table.add_column(col)
    for ckpt in checkpoints:
        m = ckpt.metrics
        table.add_row(ckpt.kind, escape(str(ckpt.path)), f"{m.get('train_loss', float('nan')):.4f}",
                      f"{m['eval_loss']:.4f}" if "eval_loss" in m else "—", str(m.get("train_steps", "")),
                      f"{m.get('train_runtime_s', 0):.0f}")
    console.print(table)


def _relaunch(recipe: Path, checkpoint: Path | None, overrides: list[str], resume: bool,
              trust_remote_code: bool, launcher: str, num_processes: int, accelerate_config: Path | None) -> None:
    """Run this same command under a distributed launcher and exit with its status."""
    import subprocess

    from ..train import launch_command

    args = ["train", str(recipe)]
    if checkpoint is not None:
        args.append(str(checkpoint))
    for item in overrides:
        args += ["--set", item]
    if resume:
        args.append("--resume")
    if trust_remote_code:
        args.append("--trust-remote-code")
    with user_errors():
        cmd = launch_command(args, launcher=launcher, num_processes=num_processes,
                             accelerate_config=accelerate_config)
    env = {**os.environ}
    env.setdefault("MASTER_ADDR", "127.0.0.1")
    raise typer.Exit(subprocess.call(cmd, env=env))
