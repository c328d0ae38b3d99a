"""``llmsec explain`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from llmsec.cli import app

runner = CliRunner()
CODE = "void copy(char *s)\n{\n    char b[8];\n    strcpy(b, s);\n}\n"


def test_terminal_from_file(bert_ckpt: Path, tmp_path: Path) -> None:
    src = tmp_path / "copy.c"
    src.write_text(CODE)
    result = runner.invoke(app, ["explain", str(bert_ckpt), "--input", str(src), "--method", "gxi", "--top-k", "2"])
    assert result.exit_code == 0, result.output
    assert "strcpy" in result.output and "top 2 lines" in result.output and "predicted" in result.output


def test_html_and_json_reports(bert_ckpt: Path, tmp_path: Path) -> None:
    html = tmp_path / "r" / "report.html"
    result = runner.invoke(app, ["explain", str(bert_ckpt), "-i", CODE, "--format", "html", "--out", str(html),
                                 "--steps", "4"])
    assert result.exit_code == 0, result.output
    assert html.read_text().startswith("<!DOCTYPE html>")
    result = runner.invoke(app, ["explain", str(bert_ckpt), "-i", "http://paypal.com.evil.ru/login?x=1",
                                 "--format", "json", "--method", "rollout"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["unit"] == "url" and data["method"] == "rollout"
    assert {u["name"] for u in data["units"]} == {"scheme", "subdomain", "domain", "path", "query"}


def test_batch_mode_writes_one_report(bert_ckpt: Path, tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"text": t, "label": y}) + "\n"
                            for t, y in [(CODE, "vulnerable"), ("int main() { return 0; }", "safe"),
                                         ("x = 1;", "safe")]))
    out = tmp_path / "batch.json"
    result = runner.invoke(app, ["explain", str(bert_ckpt), "--dataset", str(data), "--data-format", "jsonl",
                                 "--limit", "2", "--method", "gxi", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert len(report["explanations"]) == 2 and report["explanations"][0]["text"] == CODE


def test_cli_errors(bert_ckpt: Path, tiny_llama_dir: Path) -> None:
    cases = [
        (["explain", str(bert_ckpt), "--input", "   "], "nothing to explain"),
        (["explain", str(tiny_llama_dir), "--input", "x"], "TransferTrainer"),
        (["explain", str(bert_ckpt)], "exactly one of --input"),
        (["explain", str(bert_ckpt), "-i", "x", "--format", "pdf"], "unknown --format 'pdf'"),
        (["explain", str(bert_ckpt), "-i", "x", "--method", "lime"], "unknown attribution method"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output.replace("\n", " "), (args, result.output)
