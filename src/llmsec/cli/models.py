"""``llmsec models list``: the built-in offline models and whether they are ready."""

from __future__ import annotations

from ._app import models_app


@models_app.command("list")
def list_command() -> None:
    """List the built-in models: package installed, GGUF converted yet, where the weights are."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from llmsec.models import BUILTIN_MODELS, list_models

    table = Table(title="llmsec built-in models")
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("arch", no_wrap=True)
    table.add_column("installed", no_wrap=True)
    table.add_column("cached", no_wrap=True)
    table.add_column("description / path", overflow="fold")
    for row in list_models():
        installed = "yes" if row["installed"] else "[red]no[/]"
        where = row["path"] or f"package {row['package']} missing: {BUILTIN_MODELS[row['name']].install}"
        table.add_row(
            row["name"],
            row["arch"],
            installed,
            "yes" if row["cached"] else "no",
            f"{escape(row['description'])}\n[dim]{escape(where)}[/]",
        )
    Console().print(table)
