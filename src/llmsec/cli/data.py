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


_PREPARE_FLAGS = ("split", "test_size", "dedup", "near_dedup", "scrub", "scrub_ips", "view", "seed", "max_samples",
                  "audit")


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the flag ``name`` was set on the command line (not left at its default)."""
    where = ctx.get_parameter_source(name)
    return where is not None and where.name not in ("DEFAULT", "DEFAULT_MAP")


def parse_columns(items: list[str]) -> dict[str, str]:
    """``FIELD=COLUMN`` items (``--column text=body``) as a ``columns`` mapping."""
    out: dict[str, str] = {}
    for item in items:
        field, eq, column = item.partition("=")
        if not eq or not field.strip() or not column.strip():
            raise ValueError(f"--column {item!r} is not FIELD=COLUMN (e.g. --column text=body --column label=verdict)")
        out[field.strip()] = column.strip()
    return out


@data_app.command("prepare")
def prepare_command(
    ctx: typer.Context,
    task: Annotated[str | None, typer.Option("--task", "-t", help="The task (`llmsec data tasks`).",
                                             show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output directory.", show_default=False)] = None,
    sources: Annotated[
        list[str] | None, typer.Argument(help="Source files or folders, `builtin:NAME` or `hf:OWNER/NAME[:SPLIT]` "
                                         "(one or more; or use --source).", show_default=False)
    ] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Another source (repeatable).")] = None,
    format_: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="The sources' format: once for all, or once per source in order "
                                            "(`llmsec data formats`). Default: the task's usual format."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="A YAML file of prepare settings (task, out, sources, "
                                  "split...; docs/data.md); flags given here override it.", show_default=False)
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option("--column", help="Map a record field to a table column, FIELD=COLUMN (repeatable): "
                                      "text/code, label, group, time, prompt, answer, question, choices, messages."),
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
    audit: Annotated[
        bool, typer.Option("--audit/--no-audit", help="Audit the data (twins, duplicates, shortcuts, leakage).")
    ] = True,
    follow_symlinks: Annotated[
        bool, typer.Option("--follow-symlinks", help="Folder sources: follow symbolic links that leave the "
                                                     "folder (refused by default).")
    ] = False,
) -> None:
    """Load SOURCES, scrub, de-duplicate and split them for TASK; write a dataset and a report to OUT."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from llmsec.data import PrepareConfig, prepare

    with user_errors():
        paths = [*(sources or []), *(source or [])]
        if not paths and config is None:
            raise ValueError("no source given: `llmsec data prepare FILE --task T --out DIR` (or --config FILE)")
        formats = list(format_ or [])
        if len(formats) not in (0, 1, len(paths)):
            raise ValueError(f"{len(formats)} --format values for {len(paths)} sources: give one, or one per source")
        if split not in _SPLITS:
            raise ValueError(f"--split {split!r} is not one of {', '.join(_SPLITS)}")
        per_source = parse_options(option or [], len(paths))
        columns = parse_columns(column or [])
        for path, options in zip(paths, per_source, strict=True):
            if columns:
                options.setdefault("columns", columns)
            if follow_symlinks and Path(path).is_dir():  # only folder sources walk
                options.setdefault("follow_symlinks", True)
        values = {"split": split, "test_size": test_size, "dedup": dedup, "near_dedup": near_dedup, "scrub": scrub,
                  "scrub_ips": scrub_ips, "view": view, "seed": seed, "max_samples": max_samples, "audit": audit}
        given = {k: v for k, v in values.items()
                 if config is None or _given(ctx, k)}
        if paths:
            fmts = formats if len(formats) == len(paths) else [formats[0] if formats else None] * len(paths)
            given["sources"] = [{"path": path, "format": fmts[i], "options": per_source[i]}
                                for i, path in enumerate(paths)]
        given |= {k: v for k, v in (("task", task), ("out", out)) if v is not None}
        if config is not None:
            settings = PrepareConfig.from_yaml(config, overrides=given)
        else:
            for name, flag in (("task", "--task"), ("out", "--out")):
                if name not in given:
                    raise ValueError(f"{flag} is required (or give a --config file that sets {name})")
            settings = PrepareConfig(**given)
        report = prepare(settings)
        out = Path(settings.out)

    console = Console()
    table = Table(title=f"llmsec data prepare: {report.task} ({report.view} view, split {report.split or 'none'})")
    table.add_column("source", overflow="fold")
    table.add_column("format")
    for col in ("lines", "read", "loaded", "rejected", "task rejected"):
        table.add_column(col, justify="right")
    for s in report.sources:
        table.add_row(escape(s.source), s.format, str(s.lines or ""), str(s.read), str(s.loaded), str(s.rejected),
                      str(s.task_rejected))
    table.add_row("[bold]total[/]", "", "", str(report.read), str(report.loaded), str(report.rejected),
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
    if report.audit is not None:
        print_audit_findings(console, report.audit["findings"], f"audit: {report.audit['verdict']}")
    audit_files = [f for f in report.files if f.startswith("audit")]
    console.print(f"wrote {escape(str(out))}: dataset (load_from_disk), train/test.jsonl, report.json, report.md"
                  + "".join(f", {f}" for f in audit_files))


_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "n/a": "dim"}


def print_audit_findings(console: Any, findings: list[dict[str, Any]], title: str) -> None:
    """The audit's findings as a table: check, verdict, what was found, the remedy."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, show_lines=True)
    table.add_column("check", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("finding", overflow="fold")
    table.add_column("remedy", overflow="fold")
    for f in findings:
        style = _STYLE.get(f["verdict"], "")
        table.add_row(f["check"], f"[{style}]{f['verdict']}[/]", escape(f["message"]), escape(f["remedy"]))
    console.print(table)


def _guess_task(paths: list[str], formats: list[str]) -> str:
    """The task of a prepared dataset (its report.json) or the task whose usual format is the given one."""
    from llmsec.data import TASKS, get_task

    for path in paths:
        report = Path(path) / "report.json"
        if report.is_file():
            return str(json.loads(report.read_text(encoding="utf-8"))["task"])
    for fmt in formats:
        for name in TASKS:
            if get_task(name).default_format == fmt:
                return name
    raise ValueError("no --task given and none can be guessed: pass --task (`llmsec data tasks` lists them)")


@data_app.command("audit")
def audit_command(
    ctx: typer.Context,
    datasets: Annotated[list[str] | None, typer.Argument(
        help="Source files or folders (several are one dataset, e.g. a phishing and a benign list), "
             "or a folder `llmsec data prepare` wrote (its train/test split is audited).", show_default=False)] = None,
    task: Annotated[str | None, typer.Option("--task", "-t", help="The task (default: guessed from the format).",
                                             show_default=False)] = None,
    format_: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="The sources' format: once for all, or once per source in order."),
    ] = None,
    split: Annotated[str, typer.Option(help="The split the data will be used with: group | random | none.")] = "group",
    strict: Annotated[bool, typer.Option("--strict", help="Exit with status 1 on any warn or fail finding.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write audit.json, audit.md and audit.png here.",
                                             show_default=False)] = None,
    max_samples: Annotated[
        int | None, typer.Option(help="Read at most this many records from each source.", show_default=False)
    ] = None,
    probe_cap: Annotated[int, typer.Option(help="Fit the probes on at most this many records (a sample).")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the sample, the folds and the simulated split.")] = 0,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", help="A loader option, key=value (all sources) or N:key=value (source N)."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="A YAML file of audit settings (task, sources, split, "
                                  "probe_cap...); flags given here override it.", show_default=False)
    ] = None,
    column: Annotated[
        list[str] | None, typer.Option("--column", help="Map a record field to a table column, FIELD=COLUMN.")
    ] = None,
) -> None:
    """Audit DATASETS for TASK: conflicting twins, duplicates, shortcut probes, corpus markers, group leakage."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from llmsec.data import AuditConfig, audit, audit_split, load_records

    with user_errors():
        datasets = list(datasets or [])
        if not datasets and config is None:
            raise ValueError("no source given: `llmsec data audit FILE --task T` (or --config FILE)")
        formats = list(format_ or [])
        if len(formats) not in (0, 1, len(datasets)):
            raise ValueError(f"{len(formats)} --format values for {len(datasets)} sources: give one, or one per source")
        if split not in ("group", "random", "none"):
            raise ValueError(f"--split {split!r} is not one of group, random, none")
        per_source = parse_options(option or [], len(datasets))
        columns = parse_columns(column or [])
        for options in per_source:
            if columns:
                options.setdefault("columns", columns)
        prepared = len(datasets) == 1 and (Path(datasets[0]) / "train.jsonl").is_file()
        if config is not None:
            values = {"split": split, "max_samples": max_samples, "probe_cap": probe_cap, "seed": seed}
            given: dict[str, Any] = {k: v for k, v in values.items() if _given(ctx, k)}
            if task is not None:
                given["task"] = task
            if datasets:
                fmts = formats if len(formats) == len(datasets) else [formats[0] if formats else None] * len(datasets)
                given["sources"] = [{"path": d, "format": fmts[i], "options": per_source[i]}
                                    for i, d in enumerate(datasets)]
            report = audit(config=AuditConfig.from_yaml(config, overrides=given))
        elif prepared and (Path(datasets[0]) / "test.jsonl").is_file():
            task_name = task or _guess_task(datasets, formats)
            train, _ = load_records(Path(datasets[0]) / "train.jsonl", "jsonl")
            test, _ = load_records(Path(datasets[0]) / "test.jsonl", "jsonl")
            report = audit_split(train, test, task=task_name, probe_cap=probe_cap, seed=seed)
        else:
            task_name = task or _guess_task(datasets, formats)
            specs = [
                (path, formats[i] if len(formats) == len(datasets) else (formats[0] if formats else None),
                 per_source[i])
                for i, path in enumerate(datasets)
            ]
            report = audit(specs, task=task_name, split=split, max_samples=max_samples,  # type: ignore[arg-type]
                           probe_cap=probe_cap, seed=seed)
        files = report.write(out) if out is not None else []

    console = Console()
    print_audit_findings(console, [vars(f) for f in report.findings],
                         f"llmsec data audit: {report.task}, {report.n_records} records, split {report.split}: "
                         f"{report.verdict}")
    probes = Table(title=f"probes ({report.metric}; chance {report.chance if report.chance is not None else '-'})")
    for col in ("probe", "score", "verdict", "features"):
        probes.add_column(col, overflow="fold")
    for p in report.probes:
        probes.add_row(p.name, "-" if p.score is None else f"{p.score:.3f}",
                       f"[{_STYLE.get(p.verdict, '')}]{p.verdict}[/]", escape("; ".join(p.features[:2]) or p.reason))
    if report.probes:
        console.print(probes)
    for note in report.notes:
        console.print(f"note: {escape(note)}")
    if files:
        console.print(f"wrote {', '.join(escape(str(f)) for f in files)}")
    console.print(f"{report.seconds:.1f} s")
    if strict and report.flagged("warn"):
        console.print(f"[bold red]--strict:[/] {len(report.flagged('warn'))} finding(s) at warn or fail")
        raise typer.Exit(1)


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

    import llmsec.eval  # noqa: F401  (registers the evaluation-only tasks: secure-code)
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
        shown = name + (f"\n(also {', '.join(t.aliases)})" if t.aliases else "")
        table.add_row(escape(shown), t.kind, escape(labels), escape(t.group_key), ", ".join(t.views),
                      ", ".join(t.metrics), ", ".join(t.formats))
    Console().print(table)
