"""``llmsec eval``: what the last lines say was written, and where."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import llmsec.eval
import llmsec.train
from llmsec.cli import app

runner = CliRunner()

RESULT: dict[str, Any] = {
    "task": "vuln-detect", "model": {"name": "ckpt"}, "method": "classifier", "n": 2,
    "metrics": {"accuracy": 0.5}, "baseline": None, "contamination": {}, "warnings": [],
}


@pytest.fixture
def fake_eval(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``evaluate`` / ``write_report`` / ``write_model_card`` stubbed: no model is loaded."""
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()

    def write_report(result: dict[str, Any], out: Path, **_: Any) -> dict[str, Path]:
        Path(out).mkdir(parents=True, exist_ok=True)
        return {"results.json": Path(out) / "results.json", "report.md": Path(out) / "report.md"}

    monkeypatch.setattr(llmsec.eval, "evaluate", lambda *a, **k: dict(RESULT))
    monkeypatch.setattr(llmsec.eval, "write_report", write_report)
    monkeypatch.setattr(llmsec.eval, "write_model_card", lambda model, result: Path(model) / "README.md")
    monkeypatch.setattr(llmsec.train, "is_checkpoint", lambda model: True)
    return ckpt


def test_card_is_reported_in_the_checkpoint_not_in_the_report_folder(fake_eval: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(app, ["eval", str(fake_eval), "--out", str(out), "--card"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    report_line = next(line for line in result.output.splitlines() if line.startswith("report:"))
    assert report_line == f"report: {out} (report.md, results.json)"
    assert f"model card: {fake_eval / 'README.md'}" in result.output


def test_no_card_line_without_card(fake_eval: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(fake_eval), "--out", str(tmp_path / "r")], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "model card" not in result.output


def test_flags_become_one_eval_config(fake_eval: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(llmsec.eval, "evaluate", lambda config: seen.append(config) or dict(RESULT))
    args = ["eval", str(fake_eval), "--task", "cti-rcm", "--max-samples", "3", "--quantize", "8bit",
            "--method", "generate", "--no-audit", "--out", str(tmp_path / "r")]
    result = runner.invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    (config,) = seen
    assert isinstance(config, llmsec.eval.EvalConfig)
    assert (config.model.name, config.task, config.max_samples, config.quantize, config.audit) == (
        str(fake_eval), "cti-rcm", 3, "8bit", False)
    bad = runner.invoke(app, ["eval", str(fake_eval), "--quantize", "3bit", "--out", str(tmp_path / "r")])
    assert bad.exit_code != 0 and "quantize must be '4bit' or '8bit'" in bad.output
