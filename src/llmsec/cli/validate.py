"""``llmsec validate RECIPE.yaml``: check a recipe without training."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._errors import err_console, user_errors


@app.command()
def validate(
    recipe: Annotated[Path, typer.Argument(help="The YAML recipe.")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a key before validating.")] = None,
    check_model: Annotated[bool, typer.Option(help="Also check that the base model can be found.")] = True,
) -> None:
    """Validate RECIPE: schema, trainer keys, data files, tasks and the base model."""
    from ..config import load_recipe
    from ..train import preflight

    with user_errors():
        cfg = load_recipe(recipe, set_ or [])
        problems = preflight(cfg, check_model=check_model)
    if problems:
        err_console.print(f"[bold red]{recipe}: {len(problems)} problem(s)[/]")
        for p in problems:
            err_console.print(f"  {p}", highlight=False)
        raise typer.Exit(2)
    typer.echo(f"{recipe}: ok ({len(cfg.stages)} stage(s): {', '.join(s.label for s in cfg.stages)})")
