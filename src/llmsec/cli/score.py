"""``llmsec score ctibench``: score another model's raw CTIBench answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ._app import score_app
from ._errors import user_errors

_SHOW_UNPARSED = 10


@score_app.command("ctibench")
def ctibench(
    task: Annotated[str, typer.Option("--task", help="CTIBench task: rcm, mcq, vsp or ate.")],
    outputs: Annotated[
        Path, typer.Option("--outputs", help="The model's raw answers: blocks introduced by '#####N#####' lines.")
    ],
    data: Annotated[Path, typer.Option("--data", help="The matching CTIBench cti-<task>.tsv (with its GT column).")],
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the full result (every item) as JSON here.")
    ] = None,
) -> None:
    """Score raw free-text CTIBench answers as CTIBench does (accuracy, CVSS MAD or technique F1)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from llmsec.eval import score_ctibench

    with user_errors():
        result = score_ctibench(task, outputs, data)
        if json_path is not None:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")

    label = {"accuracy": "accuracy (%)", "mad": "mean absolute deviation", "f1": "technique F1"}[result.metric]
    table = Table(title=f"CTIBench CTI-{result.task.upper()}: {escape(outputs.name)}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row(label, f"{result.score:.4g}" if result.metric != "accuracy" else f"{result.score:.2f}")
    table.add_row("items", str(result.n))
    table.add_row("unparsed", str(result.n_unparsed))
    if result.unparsed:
        shown = ", ".join(map(str, result.unparsed[:_SHOW_UNPARSED]))
        more = f", ... (+{len(result.unparsed) - _SHOW_UNPARSED})" if len(result.unparsed) > _SHOW_UNPARSED else ""
        table.add_row("unparsed items", escape(shown + more))
    if json_path is not None:
        table.add_row("json", escape(str(json_path)))
    Console().print(table)
