"""The typer application and its command groups; commands live one per module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="llmsec",
    help="Adapt language models to cyber security: pre-train, instruction-tune, transfer, evaluate.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
models_app = typer.Typer(help="Built-in and local base models.", no_args_is_help=True)
data_app = typer.Typer(help="Load, prepare and audit security datasets.", no_args_is_help=True)
score_app = typer.Typer(help="Score other models' raw outputs on published benchmarks.",
                        no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(data_app, name="data")
app.add_typer(score_app, name="score")
