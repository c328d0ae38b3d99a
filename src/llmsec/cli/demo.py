"""``llmsec demo``: the offline three-stage demo with a before/after table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._errors import user_errors


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Output directory for checkpoints and the report.")] = Path(
        "runs/demo"
    ),
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a key of the demo recipe.")
    ] = None,
) -> None:
    """Adapt SmolLM2-135M to security (pre-train → instruct → detect) and show what each stage bought."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ..demo import run_demo
    from ._progress import RichProgress

    console = Console()
    with user_errors():
        result = run_demo(out, overrides=set_ or [], callbacks=[RichProgress()],
                          on_step=lambda msg: console.print(f"[bold cyan]▶[/] {escape(msg)}"))
    table = Table(title="llmsec demo: base vs adapted (held-out demo data)")
    cols = [("model", None), ("corpus ppl ↓", "corpus_ppl"), ("answer ppl ↓", "answer_ppl"),
            ("vuln acc ↑", "vuln_accuracy"), ("vuln F1 ↑", "vuln_f1"), ("vuln AUC ↑", "vuln_roc_auc"),
            ("vuln method", "vuln_method")]
    for name, _ in cols:
        text_col = name.startswith(("model", "vuln method"))
        table.add_column(name, justify="left" if text_col else "right", no_wrap=text_col)
    for row in result.rows:
        cells = []
        for _, key in cols:
            value = row.get(key) if key else row["model"]
            text = f"{value:.3f}" if isinstance(value, float) else str(value if value is not None else "—")
            cells.append(text)
        table.add_row(*cells)
    console.print(table)
    console.print(escape(f"finished in {result.seconds:.0f} s; report: {result.report_dir}"))
