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


@app.callback()
def _setup(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show library logs and progress bars."),
) -> None:
    """Configure logging once per command: llmsec's own progress, quiet libraries."""
    import logging
    import os

    from rich.logging import RichHandler

    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s", handlers=[RichHandler(show_path=False)])
    logging.getLogger("llmsec").setLevel(logging.INFO)
    if verbose:
        return
    # Library progress bars and notices would drown llmsec's own progress display.
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for name in ("bitsandbytes", "transformers", "datasets", "peft", "trl", "accelerate"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import datasets
        import transformers

        datasets.disable_progress_bars()
        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - both are dependencies
        pass
