"""A contributor adds a source format through the documented path alone (docs/contributing.md,
"Add a source format"): one module, one ``@register_format``. Nothing else is edited, and the
format shows in ``llmsec data formats``, reads in ``prepare`` (CLI and Python, counts kept)
and is accepted by the recipe checks (``llmsec validate``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmsec.cli import app
from llmsec.data import FORMATS, Example, LoadReport, load_records, prepare, register_format
from llmsec.data.formats._source import counted_lines, open_source

runner = CliRunner()
NAME = "toy-verdicts"
FUNCS = [f"int f{n}(char *s) {{ char b[{n + 4}]; {'strcpy(b, s)' if n % 2 else 'strncpy(b, s, sizeof b - 1)'}; "
         f"return helper_{n}(b, {n * 13}); }}" for n in range(40)]


def _load_toy(path: Path, report: LoadReport, *, project: str = "toy") -> Iterator[Example]:
    """``VERDICT<TAB>CODE`` lines: what a contributor's loader looks like (every line read is counted)."""
    with open_source(path) as fh:
        for lineno, raw in counted_lines(fh, path, report):
            verdict, tab, code = raw.decode("utf-8").rstrip("\n").partition("\t")
            if not tab or not code.strip():
                report.reject(str(path), lineno, "not VERDICT<TAB>CODE")
                continue
            report.accept()
            yield Example(code, verdict, group=f"{project}-{lineno // 2}", meta={"line": lineno})


@pytest.fixture
def toy_format() -> Iterator[str]:
    register_format(NAME, record=Example, description="toy VERDICT<TAB>CODE lines (a contributor test)")(_load_toy)
    yield NAME
    FORMATS.remove(NAME)


def _data(tmp_path: Path) -> Path:
    lines = [f"{'vulnerable' if n % 2 else 'safe'}\t{code}" for n, code in enumerate(FUNCS)] + ["garbage"]
    path = tmp_path / "verdicts.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_new_format_is_listed_loaded_and_prepared(toy_format: str, tmp_path: Path) -> None:
    listed = runner.invoke(app, ["data", "formats"], env={"COLUMNS": "300"})
    assert listed.exit_code == 0 and toy_format in listed.output and "VERDICT<TAB>CODE" in listed.output

    src = _data(tmp_path)
    records, report = load_records(src, toy_format, project="p")
    assert len(records) == 40 and (report.read, report.rejected, report.lines) == (41, 1, 41)
    with pytest.raises(ValueError, match="no option 'colour'; its options are: project"):
        load_records(src, toy_format, colour="red")

    py = prepare(src, format=toy_format, task="vuln-detect", out=tmp_path / "py", split="random", audit=False)
    assert (py.read, py.loaded, py.rejected) == (41, 40, 1) and py.sources[0].format == toy_format
    cli = runner.invoke(app, ["data", "prepare", str(src), "--format", toy_format, "--task", "vuln-detect",
                              "--out", str(tmp_path / "cli"), "--split", "random", "--no-audit"],
                        env={"COLUMNS": "300"})
    assert cli.exit_code == 0, cli.output
    assert json.loads((tmp_path / "cli" / "report.json").read_text())["kept"] == py.kept


def test_a_recipe_may_name_the_new_format(toy_format: str, tmp_path: Path) -> None:
    src = _data(tmp_path)
    recipe = tmp_path / "r.yaml"
    body = ("model: {{name: smollm2-135m-instruct}}\nstages:\n  - kind: transfer\n    task: vuln-detect\n"
            "    data: {{train: {src}, format: {fmt}}}\n")
    recipe.write_text(body.format(src=src, fmt=toy_format))
    ok = runner.invoke(app, ["validate", str(recipe), "--no-check-model"])
    assert ok.exit_code == 0, ok.output
    recipe.write_text(body.format(src=src, fmt="toy-verdict"))
    bad = runner.invoke(app, ["validate", str(recipe), "--no-check-model"], env={"COLUMNS": "2000"})
    said = " ".join(bad.output.split())
    assert bad.exit_code != 0 and "unknown format 'toy-verdict'" in said and f"'{toy_format}'" in said
