"""``llmsec compare BASE ADAPTED``: two models on the same items, with bootstrap intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._errors import user_errors


@app.command("compare")
def compare_(
    base: Annotated[str, typer.Argument(help="The reference model (A): base model or checkpoint.")],
    adapted: Annotated[str, typer.Argument(help="The adapted model (B).")],
    task: Annotated[str | None, typer.Option(help="Task; default: the adapted checkpoint's.")] = None,
    data: Annotated[str | None, typer.Option(help="Test set; default: the adapted checkpoint's eval set.")] = None,
    format_: Annotated[str | None, typer.Option("--format", help="Source format of --data.")] = None,
    split: Annotated[str | None, typer.Option(help="Read one side of the data's split by group (formats with a "
                                              "split option: juliet-write, juliet-pairs): train or test.")] = None,
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("runs/compare"),
    quantize: Annotated[str | None, typer.Option(help="Load both with bitsandbytes: 4bit or 8bit.")] = None,
    max_samples: Annotated[int | None, typer.Option(help="Score only the first N items.")] = None,
    few_shot: Annotated[int, typer.Option(help="K solved examples before each question (generation tasks).")] = 0,
    batch_size: Annotated[int, typer.Option(help="Items per batch.")] = 8,
    max_length: Annotated[int, typer.Option(help="Token budget of each input.")] = 256,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    predictions: Annotated[bool, typer.Option(help="Keep per-item predictions in compare.json.")] = False,
) -> None:
    """Evaluate BASE and ADAPTED on the same items; show B - A with a paired bootstrap 95% interval."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ..eval import compare, write_compare_report
    from ..eval._metric_registry import metric_title
    from ..eval._report import _fmt

    console = Console()
    with user_errors():
        comp = compare(base, adapted, task=task, data=data, data_format=format_, quantize=quantize,
                       max_samples=max_samples, few_shot=few_shot, batch_size=batch_size, max_length=max_length,
                       n_resamples=resamples, seed=seed, data_options={"split": split} if split else {})
        files = write_compare_report(comp, out, predictions=predictions)
    table = Table(title=escape(f"{comp['task']}: A = {base}, B = {adapted} ({comp['adapted']['n']} items)"))
    for col in ("metric", "A", "B", "B - A", "95% CI"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for r in comp["comparison"]:
        ci = f"[{_fmt(r['low'])}, {_fmt(r['high'])}]" if r.get("low") is not None else "n/a"
        style = "bold" if r.get("excludes_zero") else ""
        table.add_row(metric_title(r["metric"]), _fmt(r["a"]), _fmt(r["b"]),
                      _fmt(r["diff"]), ci, style=style)
    console.print(table)
    c = comp["adapted"].get("contamination") or {}
    if c.get("warning"):
        console.print(f"[bold red]CONTAMINATION:[/] {escape(c['warning'])}")
    console.print(escape(f"report: {out} ({', '.join(sorted(files))})"))
