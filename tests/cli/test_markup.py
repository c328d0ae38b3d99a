"""Text from files, data and errors is printed as text: rich markup in it (``[/x]``) is escaped."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import llmsec.eval
from llmsec.cli import app

runner = CliRunner()
HOSTILE = "[/x][bold]x[/bold][link=https:evil]y[/link]"


def flat(text: str) -> str:
    """The output without the line breaks and padding rich adds when it wraps."""
    return "".join(text.split())


def test_an_error_quoting_a_file_name_with_markup_is_printed_verbatim(tmp_path: Path) -> None:
    source = tmp_path / "a[" / "x].jsonl"  # the name holds '[/x]'
    result = runner.invoke(app, ["data", "prepare", str(source), "--task", "corpus", "--view", "corpus",
                                 "--out", str(tmp_path / "out")], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "a[/x].jsonl" in result.output


def test_an_error_message_with_markup_is_printed_verbatim(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "prepare", "builtin:corpus", "--task", "corpus", "--view", "corpus",
                                 "--split", "nope" + HOSTILE, "--out", str(tmp_path / "out")], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert HOSTILE in result.output


def test_validate_prints_problems_with_markup_verbatim(tmp_path: Path) -> None:
    recipe = tmp_path / "r[x].yaml"
    recipe.write_text(yaml.safe_dump({
        "model": {"name": "smollm2-135m-instruct"},
        "stages": [{"kind": "pretrain", "data": {"train": str(tmp_path / f"missing{HOSTILE}.jsonl")}}],
    }), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(recipe), "--no-check-model"], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert f"missing{HOSTILE}.jsonl" in result.output and "r[x].yaml" in result.output


RESULT: dict[str, Any] = {
    "task": "vuln-detect", "model": {"name": f"ckpt{HOSTILE}"}, "method": "classifier", "n": 2,
    "metrics": {"accuracy": 0.5}, "baseline": None, "warnings": [],
    "contamination": {"warning": f"1 of 2 test records overlap {HOSTILE}"},
    "audit": {"findings": [{"check": "twins", "verdict": "warn", "message": f"twin in {HOSTILE}"}]},
}


def test_eval_prints_data_derived_text_verbatim(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def write_report(result: dict[str, Any], out: Path, **_: Any) -> dict[str, Path]:
        return {"results.json": Path(out) / "results.json"}

    monkeypatch.setattr(llmsec.eval, "evaluate", lambda *a, **k: dict(RESULT))
    monkeypatch.setattr(llmsec.eval, "write_report", write_report)
    out = tmp_path / "rep[/x]"
    result = runner.invoke(app, ["eval", "ckpt", "--out", str(out)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert f"overlap {HOSTILE}" in result.output and f"twin in {HOSTILE}" in result.output
    assert f"ckpt{HOSTILE}" in flat(result.output) and f"report: {out}" in result.output


def test_compare_prints_data_derived_text_verbatim(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    comp = {"task": "vuln-detect", "base": dict(RESULT), "adapted": dict(RESULT), "bootstrap": {},
            "comparison": [{"metric": "accuracy", "a": 0.5, "b": 0.6, "diff": 0.1, "low": 0.0, "high": 0.2,
                            "significant": False}]}
    monkeypatch.setattr(llmsec.eval, "compare", lambda *a, **k: comp)
    monkeypatch.setattr(llmsec.eval, "write_compare_report", lambda c, out, **k: {"compare.json": Path(out)})
    result = runner.invoke(app, ["compare", f"base{HOSTILE}", "adapted", "--out", str(tmp_path / "o[/x]")],
                           env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert f"A=base{HOSTILE}" in flat(result.output) and f"overlap {HOSTILE}" in result.output
    assert "o[/x]" in result.output


def test_explain_terminal_view_prints_words_and_titles_verbatim() -> None:
    from rich.console import Console

    from llmsec.explain import render_terminal
    from llmsec.explain._aggregate import Unit
    from llmsec.explain._explain import Explanation, Token

    text = "call [/x] now"
    e = Explanation(text=text, label="phishing", target="phishing", probabilities={"phishing": 0.9, "legit": 0.1},
                    method="gxi", unit="word", tokens=[Token("[/x]", 5, 9, 1.0)],
                    units=[Unit("word", "[/x]", "[/x]", 5, 9, 1.0, [0])])
    console = Console(file=io.StringIO(), width=120)
    render_terminal([e], console=console, titles=[f"mail{HOSTILE}"])
    out = console.file.getvalue()
    assert f"mail{HOSTILE}" in out and "[/x]" in out.split("top 1 words")[1]
