"""``llmsec data prepare | formats | tasks``: prepare datasets and list what llmsec reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ._app import data_app
from ._errors import user_errors

_SPLITS = ("group", "time", "random", "none")


def _type_name(kind: Any) -> str:
    name = getattr(kind, "__name__", None)
    if name and name != "UnionType":
        return name
    args = getattr(kind, "__args__", ())
    return " | ".join(getattr(a, "__name__", str(a)) for a in args) or str(kind)


def _value(text: str) -> Any:
    """A loader option's value: JSON when it parses (numbers, true/false, null, lists), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_options(items: list[str], n_sources: int) -> list[dict[str, Any]]:
    """``key=value`` (every source) or ``N:key=value`` (source N, from 1) into one dict per source."""
    per: list[dict[str, Any]] = [{} for _ in range(n_sources)]
    for item in items:
        target, sep, rest = item.partition(":")
        which: list[int] = list(range(n_sources))
        if sep and target.isdigit() and "=" in rest and "=" not in target:
            n = int(target)
            if not 1 <= n <= n_sources:
                raise ValueError(f"--option {item!r} names source {n}, but there are {n_sources} sources")
            which, item = [n - 1], rest
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"--option {item!r} is not key=value (or N:key=value for the N-th source)")
        for i in which:
            per[i][key.strip()] = _value(value.strip())
    return per


@data_app.command("prepare")
def prepare_command(
    task: Annotated[str, typer.Option("--task", "-t", help="The task (`llmsec data tasks`).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.", show_default=False)],
    sources: Annotated[
        list[str] | None, typer.Argument(help="Source files or folders (one or more; or use --source).",
                                         show_default=False)
    ] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Another source (repeatable).")] = None,
    format_: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="The sources' format: once for all, or once per source in order "
                                            "(`llmsec data formats`). Default: the task's usual format."),
    ] = None,
    split: Annotated[str, typer.Option(help="group | time | random | none.")] = "group",
    test_size: Annotated[float, typer.Option(help="Fraction of records for the test split.")] = 0.2,
    dedup: Annotated[bool, typer.Option("--dedup/--no-dedup", help="Remove exact and near duplicates.")] = True,
    near_dedup: Annotated[
        bool, typer.Option("--near-dedup/--no-near-dedup", help="Also remove near duplicates (MinHash).")
    ] = True,
    scrub: Annotated[bool, typer.Option("--scrub/--no-scrub", help="Replace secrets and personal data.")] = True,
    scrub_ips: Annotated[bool, typer.Option("--scrub-ips", help="Also replace IP addresses.")] = False,
    view: Annotated[str, typer.Option(help="pair | conversation | corpus.")] = "pair",
    seed: Annotated[int, typer.Option(help="Random seed of the split.")] = 0,
    max_samples: Annotated[
        int | None, typer.Option(help="Read at most this many records from each source.", show_default=False)
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", help="A loader option, key=value (all sources) or N:key=value (source N)."),
    ] = None,
) -> None:
    """Load SOURCES, scrub, de-duplicate and split them for TASK; write a dataset and a report to OUT."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from llmsec.data import prepare

    with user_errors():
        paths = [*(sources or []), *(source or [])]
        if not paths:
            raise ValueError("no source given: `llmsec data prepare FILE --task T --out DIR`")
        formats = list(format_ or [])
        if len(formats) not in (0, 1, len(paths)):
            raise ValueError(f"{len(formats)} --format values for {len(paths)} sources: give one, or one per source")
        if split not in _SPLITS:
            raise ValueError(f"--split {split!r} is not one of {', '.join(_SPLITS)}")
        per_source = parse_options(option or [], len(paths))
        specs = [
            (path, formats[i] if len(formats) == len(paths) else (formats[0] if formats else None), per_source[i])
            for i, path in enumerate(paths)
        ]
        report = prepare(
            specs, task=task, out=out, split=None if split == "none" else split,  # type: ignore[arg-type]
            test_size=test_size, dedup=dedup, near_dedup=near_dedup, scrub=scrub, scrub_ips=scrub_ips,
            seed=seed, max_samples=max_samples, view=view,  # type: ignore[arg-type]
        )

    console = Console()
    table = Table(title=f"llmsec data prepare: {report.task} ({report.view} view, split {report.split or 'none'})")
    table.add_column("source", overflow="fold")
    table.add_column("format")
    for col in ("read", "loaded", "rejected", "task rejected"):
        table.add_column(col, justify="right")
    for s in report.sources:
        table.add_row(escape(s.source), s.format, str(s.read), str(s.loaded), str(s.rejected), str(s.task_rejected))
    table.add_row("[bold]total[/]", "", str(report.read), str(report.loaded), str(report.rejected),
                  str(report.task_rejected))
    console.print(table)
    reasons: dict[str, int] = {}
    for s in report.sources:
        for reason, n in s.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    for reason, n in {**reasons, **report.task_reasons}.items():
        console.print(f"  rejected {n}: {escape(reason)}")
    d = report.duplicates
    console.print(
        f"duplicates removed: [bold]{d['exact']}[/] exact, [bold]{d['near']}[/] near, "
        f"[bold]{d['cross_split']}[/] across splits ({d['near_pairs_kept']} near twins with another label kept)"
    )
    scrubbed = ", ".join(f"{k} {v}" for k, v in report.scrubbed.items()) or "nothing"
    console.print(f"scrubbed: {escape(scrubbed)} (in {report.scrubbed_records} records)")
    labels = Table(title="kept records")
    labels.add_column("label")
    for name in report.kept:
        labels.add_column(name, justify="right")
    names = sorted({lab for counts in report.labels.values() for lab in counts},
                   key=lambda lab: -sum(c.get(lab, 0) for c in report.labels.values()))
    for lab in names[:20]:
        labels.add_row(escape(lab), *(str(report.labels[n].get(lab, 0)) for n in report.kept))
    if len(names) > 20:
        labels.add_row(f"... {len(names) - 20} more", *("" for _ in report.kept))
    labels.add_row("[bold]total[/]", *(str(v) for v in report.kept.values()))
    console.print(labels)
    if report.contamination is not None:
        c = report.contamination
        style = "green" if c["contaminated"] == 0 else "yellow"
        console.print(
            f"contamination: [{style}]{c['contaminated']} of {c['n_test']}[/] test records overlap training "
            f"(exact {c['exact']}, near {c['near']}, shared groups {c['shared_groups']})"
        )
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    console.print(f"wrote {escape(str(out))}: dataset (load_from_disk), train/test.jsonl, report.json, report.md")


@data_app.command("formats")
def formats_command() -> None:
    """List the source formats llmsec reads: the record type each yields and the tasks that use it."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from llmsec.data import FORMATS, TASKS, get_task

    used: dict[str, list[str]] = {}
    for name in TASKS:
        for fmt in get_task(name).formats:
            used.setdefault(fmt, []).append(name)
    table = Table(title="llmsec data formats")
    table.add_column("format", style="bold", no_wrap=True)
    table.add_column("record")
    table.add_column("description", overflow="fold")
    table.add_column("tasks", overflow="fold")
    for name in FORMATS:
        fmt = FORMATS.get(name)
        table.add_row(name, _type_name(fmt.record_type), escape(fmt.description), ", ".join(used.get(name, [])))
    Console().print(table)


@data_app.command("tasks")
def tasks_command() -> None:
    """List the tasks: kind, labels, group key, views, metrics and usual formats."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from llmsec.data import TASKS, get_task

    table = Table(title="llmsec data tasks")
    table.add_column("task", style="bold", no_wrap=True)
    table.add_column("kind")
    table.add_column("labels", overflow="fold")
    table.add_column("group key", overflow="fold")
    table.add_column("views")
    table.add_column("metrics", overflow="fold")
    table.add_column("formats", overflow="fold")
    for name in TASKS:
        t = get_task(name)
        labels = ", ".join(t.labels) if t.labels else ("open (from the data)" if t.kind == "classification" else "-")
        table.add_row(name, t.kind, escape(labels), escape(t.group_key), ", ".join(t.views), ", ".join(t.metrics),
                      ", ".join(t.formats))
    Console().print(table)
