"""``llmsec validate RECIPE.yaml``: check a recipe without training; ``--schema``: the schema it checks against."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._errors import err_console, user_errors


@app.command()
def validate(
    recipe: Annotated[
        Path | None, typer.Argument(metavar="RECIPE", help="The YAML recipe (not with --schema).")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a key before validating.")] = None,
    check_model: Annotated[bool, typer.Option(help="Also check that the base model can be found.")] = True,
    schema: Annotated[bool, typer.Option(
        "--schema", help="Print the recipe JSON schema (for editor completion) instead of validating."
    )] = False,
) -> None:
    """Validate RECIPE: schema, trainer keys, data files, tasks and the base model.

    With --schema, print the JSON schema recipes are checked against instead:
    `llmsec validate --schema > recipe.schema.json`, then start a recipe with
    `# yaml-language-server: $schema=./recipe.schema.json` (docs/recipes.md).
    """
    if schema:
        if recipe is not None or set_:
            raise typer.BadParameter("--schema takes no RECIPE or --set: the schema is the same for every recipe",
                                     param_hint="--schema")
        _print_schema()
        return
    if recipe is None:
        raise typer.BadParameter("give the YAML recipe to validate, or --schema to print the recipe schema",
                                 param_hint="RECIPE")

    from rich.markup import escape

    from ..config import load_recipe
    from ..train import preflight

    with user_errors():
        cfg = load_recipe(recipe, set_ or [])
        problems = preflight(cfg, check_model=check_model)
    if problems:
        err_console.print(f"[bold red]{escape(str(recipe))}: {len(problems)} problem(s)[/]")
        for p in problems:
            err_console.print(f"  {escape(p)}", highlight=False)
        raise typer.Exit(2)
    typer.echo(f"{recipe}: ok ({len(cfg.stages)} stage(s): {', '.join(s.label for s in cfg.stages)})")


def _print_schema() -> None:
    import json

    from ..config import Recipe

    typer.echo(json.dumps(Recipe.model_json_schema(), indent=2))
