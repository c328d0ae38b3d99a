"""The ``llmsec`` command: a thin shell over the public API.

Each command is one module that registers itself on the typer app; a new
command is one module and one import line here.
"""

from __future__ import annotations

from ._app import app

# Register commands (import for side effect).
from . import compare, data, demo, eval, explain, export, models, score, train, validate, vocab  # noqa: F401  isort: skip


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
