"""``llmsec eval CHECKPOINT``: measure a model on a security task and write a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ._app import app
from ._errors import user_errors

Quantize = Annotated[str | None, typer.Option("--quantize", help="Load with bitsandbytes: 4bit or 8bit.")]


@app.command("eval")
def eval_(
    model: Annotated[str, typer.Argument(help="A checkpoint directory, model directory or built-in model name.")],
    task: Annotated[str | None, typer.Option(help="Task or alias (`llmsec data tasks`: vuln-detect, sec-mcq/mcq, "
                                             "cve-to-cwe/cti-rcm, cvss-predict/cti-vsp, attack-technique/cti-ate, "
                                             "corpus, ...); default: the checkpoint's.")] = None,
    data: Annotated[str | None, typer.Option(help="Test set (path or builtin:NAME/test); default: the "
                                             "checkpoint's recorded eval set.")] = None,
    format_: Annotated[str | None, typer.Option("--format", help="Source format of --data.")] = None,
    split: Annotated[str | None, typer.Option(help="Read one side of the data's split by group (formats with a "
                                              "split option: juliet-write, juliet-pairs): train or test.")] = None,
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("runs/eval"),
    quantize: Quantize = None,
    max_samples: Annotated[int | None, typer.Option(help="Score only the first N items.")] = None,
    few_shot: Annotated[int, typer.Option(help="K solved examples before each question (generation tasks).")] = 0,
    few_shot_data: Annotated[str | None, typer.Option(help="Where the few-shot examples come from.")] = None,
    max_new_tokens: Annotated[int | None, typer.Option(help="Answer length (default: the task's).")] = None,
    method: Annotated[str | None, typer.Option(help="Multiple choice: 'generate' (default) or 'loglik' (score "
                                               "each choice by log-likelihood).")] = None,
    batch_size: Annotated[int, typer.Option(help="Items per batch.")] = 8,
    max_length: Annotated[int, typer.Option(help="Token budget of each input.")] = 256,
    strict: Annotated[bool, typer.Option(help="Refuse a test set that overlaps the training data, "
                                         "or whose data audit fails.")] = False,
    audit: Annotated[bool, typer.Option(help="Audit the train/test split first (detection tasks).")] = True,
    baseline_train: Annotated[str | None, typer.Option(help="Training data of the TF-IDF baseline "
                                                       "(default: the checkpoint's).")] = None,
    require_head: Annotated[bool, typer.Option(help="Detection tasks need a trained head (no zero-shot).")] = False,
    predictions: Annotated[bool, typer.Option(help="Keep per-item predictions in results.json.")] = False,
    card: Annotated[bool, typer.Option(help="Write a model card README.md into the checkpoint.")] = False,
) -> None:
    """Evaluate MODEL on a task: metrics beside a TF-IDF baseline, contamination check, plots, report."""
    from rich.console import Console
    from rich.markup import escape

    from ..eval import EvalConfig, evaluate, write_model_card, write_report
    from ._progress import eval_progress

    console = Console()
    with user_errors(), eval_progress():
        config = EvalConfig(model=model, task=task, data=data, data_format=format_, max_samples=max_samples,
                            max_length=max_length, batch_size=batch_size, quantize=quantize, few_shot=few_shot,
                            few_shot_data=few_shot_data, max_new_tokens=max_new_tokens, strict=strict,
                            baseline_train=baseline_train, require_head=require_head, audit=audit, method=method,
                            data_options={"split": split} if split else {})
        result = evaluate(config)
        files = write_report(result, out, predictions=predictions)
        card_path = None
        if card:
            from ..train import is_checkpoint

            if not is_checkpoint(model):
                raise ValueError(f"--card needs an llmsec checkpoint directory, got {model}")
            card_path = write_model_card(model, result)
    print_result(console, result)
    console.print(escape(f"report: {out} ({', '.join(sorted(files))})"))
    if card_path is not None:
        console.print(escape(f"model card: {card_path}"))


def print_result(console: Any, result: dict[str, Any]) -> None:
    """The metrics table, the baseline beside it, and contamination in red (data-derived text escaped)."""
    from rich.markup import escape
    from rich.table import Table

    from ..eval._metric_registry import metric_keys, metric_title
    from ..eval._report import _fmt

    table = Table(title=escape(f"{result['task']}: {result['model']['name']} ({result.get('method')}, "
                               f"{result['n']} items)"))
    rows = [("model", result["metrics"])]
    if result.get("baseline"):
        rows.append(("TF-IDF baseline", result["baseline"]["metrics"]))
    table.add_column("metric")
    for name, _ in rows:
        table.add_column(name, justify="right")
    for k in metric_keys(*(m for _, m in rows)):
        table.add_row(metric_title(k), *(_fmt(m.get(k, float("nan"))) for _, m in rows))
    console.print(table)
    c = result.get("contamination") or {}
    if c.get("warning"):
        console.print(f"[bold red]CONTAMINATION:[/] {escape(c['warning'])}")
    elif c.get("summary"):
        console.print(escape(c["summary"].splitlines()[0]))
    a = result.get("audit") or {}
    for f in a.get("findings", []):
        if f["verdict"] in ("warn", "fail"):
            colour = "red" if f["verdict"] == "fail" else "yellow"
            console.print(f"[bold {colour}]audit {f['check']} ({f['verdict']}):[/] {escape(f['message'])}",
                          highlight=False)
