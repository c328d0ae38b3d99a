"""``llmsec explain CHECKPOINT``: why a classifier labelled an input (or every input of a dataset)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._errors import user_errors

_FORMATS = ("terminal", "html", "json")


@app.command()
def explain(
    checkpoint: Annotated[Path, typer.Argument(help="A transfer-stage checkpoint (TransferTrainer output).")],
    input_: Annotated[
        str | None, typer.Option("--input", "-i", help="A file to explain, or the text itself.")
    ] = None,
    dataset: Annotated[
        Path | None, typer.Option("--dataset", help="Batch mode: explain every record of this file or folder.")
    ] = None,
    data_format: Annotated[
        str | None, typer.Option("--data-format", help="The dataset's format (e.g. juliet, jsonl, email-csv).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Batch mode: explain at most this many records.")] = 20,
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, help="How many units to list.")] = 5,
    method: Annotated[str, typer.Option("--method", "-m", help="ig, gxi or rollout.")] = "ig",
    unit: Annotated[str, typer.Option("--unit", help="auto, line, word, url or feature.")] = "auto",
    target: Annotated[
        str | None, typer.Option("--target", help="The label to explain (default: the predicted one).")
    ] = None,
    steps: Annotated[int, typer.Option("--steps", min=2, help="Integrated-gradients steps.")] = 32,
    fmt: Annotated[str, typer.Option("--format", "-f", help="terminal, html or json.")] = "terminal",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report here (html/json; default: stdout).")
    ] = None,
) -> None:
    """Explain a classifier's decision: the lines, words, URL parts or flow features that drove it.

    One input: ``llmsec explain runs/vuln --input copy.c --format html --out report.html``.
    A dataset: ``llmsec explain runs/vuln --dataset testcases/ --data-format juliet --limit 10``
    writes one report covering every record.
    """
    from llmsec.explain import Explainer, render_html, render_json, render_terminal

    with user_errors():
        if fmt not in _FORMATS:
            raise ValueError(f"unknown --format {fmt!r}; use one of {', '.join(_FORMATS)}")
        if (input_ is None) == (dataset is None):
            raise ValueError("give exactly one of --input FILE|TEXT or --dataset PATH")
        texts, titles = (_dataset_texts(dataset, data_format, limit) if dataset is not None
                         else _input_text(input_ or ""))
        explainer = Explainer.from_checkpoint(checkpoint)
        explanations = [explainer.explain(t, method=method, unit=unit, top_k=top_k, target=target, n_steps=steps)
                        for t in texts]
        if fmt == "terminal":
            if out is not None:
                raise ValueError("--out needs --format html or json (terminal output goes to the screen)")
            render_terminal(explanations, titles=titles)
            return
        report = (render_html(explanations, titles=titles) if fmt == "html"
                  else render_json(explanations) + "\n")
        if out is None:
            typer.echo(report, nl=False)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report, encoding="utf-8")
    typer.echo(f"wrote {fmt} report of {len(explanations)} explanation(s) to {out}", err=True)


def _input_text(value: str) -> tuple[list[str], list[str]]:
    """The text of ``--input``: a file's content when it names a file, else the value itself."""
    path = Path(value).expanduser()
    try:
        is_file = path.is_file()
    except OSError:  # a text too long to be a path
        is_file = False
    if is_file:
        return [path.read_text(encoding="utf-8", errors="replace")], [str(path)]
    return [value], ["input"]


def _dataset_texts(dataset: Path, data_format: str | None, limit: int) -> tuple[list[str], list[str]]:
    from llmsec.data import Example, load_records

    records, report = load_records(str(dataset), data_format, max_samples=limit)
    texts = [r.text for r in records if isinstance(r, Example)]
    if not texts:
        raise ValueError(f"{dataset} holds no labelled examples to explain ({report.summary()}); "
                         "check --data-format")
    titles = []
    for i, r in enumerate(records[:len(texts)], start=1):
        where = r.meta.get("function") or r.meta.get("file") or r.group or f"record {i}"
        titles.append(f"{i}. {where} (gold label: {r.label})")
    return texts, titles
