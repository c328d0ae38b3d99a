"""Turn library errors into one clear message and an exit code (CLI only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

err_console = Console(stderr=True)

# Errors a user can fix from the message alone: no traceback.
_USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, FileNotFoundError, KeyError, OSError)


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a user-fixable error as one red message and exit with status 2.

    The message is escaped: it often quotes a file name, a data value or a loader's
    reason, and a ``[/x]`` there is text, not rich markup.
    """
    try:
        yield
    except _USER_ERRORS as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True)
        raise typer.Exit(2) from None
