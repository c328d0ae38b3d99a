"""``evaluate --task secure-code`` end to end on a tiny model, with the report, compare and the model card."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from llmsec.data import get_task, load_records
from llmsec.eval import compare_results, evaluate, write_report

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("bandit", "flawfinder", "semgrep", "sacrebleu"))
    or shutil.which("cppcheck") is None,
    reason="the secure-code analysers are not installed (pip install 'llmsec[secure-code]'; apt-get install cppcheck)")


@pytest.fixture(scope="module")
def few_cases(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four real CyberSecEval rows (python, c, javascript, php) in a file of their own."""
    rows = json.loads((shared_data / "vuln_code" / "purplellama_cyberseceval_autocomplete.json").read_text())
    picked = [next(r for r in rows if r["language"] == lang) for lang in ("python", "c", "javascript", "php")]
    path = tmp_path_factory.mktemp("secure-code") / "four.json"
    path.write_text(json.dumps(picked))
    return path


def test_cyberseceval_rows_become_cases_cut_at_the_insecure_line(few_cases: Path) -> None:
    records, report = load_records(few_cases, "cyberseceval")
    assert report.loaded == 4 and report.rejected == 0
    first = records[0]
    row = json.loads(few_cases.read_text())[0]
    assert first.label == f"python:{row['cwe_identifier']}"
    assert first.meta["context"] + row["line_text"] in row["origin_code"]
    assert first.meta["reference"].startswith(row["line_text"])


def test_evaluate_tiny_model_reports_rates_breakdown_and_copy_baseline(tiny_llama_dir: Path, few_cases: Path,
                                                                       tmp_path: Path) -> None:
    result = evaluate(str(tiny_llama_dir), task="secure-code", data=str(few_cases), max_new_tokens=12,
                      batch_size=4, contamination=False)
    assert result["kind"] == "generation" and result["main_metric"] == "insecure_rate"
    assert not result["higher_is_better"]
    metrics = result["metrics"]
    for key in get_task("secure-code").metrics:
        assert key in metrics, key
    assert 0.0 <= metrics["insecure_rate"] <= 1.0 and 0.0 <= metrics["bleu"] <= 100.0
    assert metrics["copy_insecure_rate"] >= 0.5  # the judge flags the dataset's own insecure code
    assert set(result["breakdown"]["language"]) == {"python", "c", "javascript", "php"}
    assert all(row["n"] == 1 for row in result["breakdown"]["language"].values())
    files = write_report(result, tmp_path / "report", predictions=True)
    text = files["report.md"].read_text()
    assert "## By language" in text and "## By CWE" in text and "insecure rate" in text
    assert "breakdown.png" in files and files["breakdown.png"].stat().st_size > 0
    rows = compare_results(result, result, n_resamples=50)  # the same items: compare pairs them
    assert {r["metric"] for r in rows} >= {"insecure_rate", "bleu"}
    assert all(r["diff"] == 0 for r in rows)


def test_the_model_card_lists_secure_code_metrics(tmp_path: Path) -> None:
    from llmsec.eval import model_card

    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "llmsec.json").write_text(json.dumps({
        "format_version": 1, "stage": {"kind": "preference", "data": {}}, "base": "smollm2-135m-instruct",
        "parent": None, "base_model": "HuggingFaceTB/SmolLM2-135M-Instruct", "chain": [], "adapter": "lora",
        "metrics": {}, "data": {}}))
    result = {"task": "secure-code", "kind": "generation", "data": {"source": "four.json", "format": "cyberseceval"},
              "n": 4, "method": "generation", "metrics": {"insecure_rate": 0.25, "bleu": 3.5, "parse_rate": 0.5}}
    text = model_card(ckpt, result)
    assert "insecure rate" in text and "BLEU" in text and "secure-code" in text


def test_evaluate_on_the_held_out_juliet_cases_with_the_default_format(tiny_llama_dir: Path,
                                                                       shared_data: Path) -> None:
    folder = next(p for p in sorted((shared_data / "vuln_code" / "juliet_c_v1.3" / "testcases").iterdir())
                  if p.name.startswith("CWE121_"))
    result = evaluate(str(tiny_llama_dir), task="secure-code", data=str(folder), data_options={"split": "test"},
                      max_samples=2, max_new_tokens=8, contamination=False)
    assert result["data"]["options"] == {"split": "test"} and result["n"] == 2
    assert set(result["breakdown"]["CWE"]) == {"CWE-121"}
    scored = {it["truth"] for it in result["items"]}
    assert scored == {"c:CWE-121"} or scored <= {"c:CWE-121", "cpp:CWE-121"}


def test_a_missing_analyser_stops_the_evaluation_before_the_model_loads(few_cases: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from llmsec.eval.secure_code import AnalyserMissingError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "semgrep" else real(name, *a))
    with pytest.raises(AnalyserMissingError, match=r"semgrep.*pip install"):  # not "model not found"
        evaluate("no-such-model-dir", task="secure-code", data=str(few_cases), contamination=False)


def test_juliet_pairs_records_are_adapted_to_write_prompts(shared_data: Path) -> None:
    folder = next(p for p in sorted((shared_data / "vuln_code" / "juliet_c_v1.3" / "testcases").iterdir())
                  if p.name.startswith("CWE121_"))
    pairs, _ = load_records(folder, "juliet-pairs", variants="first", max_samples=2)
    task = get_task("secure-code")
    case = task.adapt(pairs[0])
    assert case.label.endswith(":CWE-121") and case.meta["insecure"] == pairs[0].rejected
    assert task.adapt(case) == case  # idempotent
    with pytest.raises(ValueError, match="not a secure-code prompt"):
        task.adapt(type(case)("x", "y"))


def test_cli_split_reaches_the_data_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import llmsec.eval
    from llmsec.cli import app

    seen: dict[str, object] = {}
    result = {"task": "secure-code", "model": {"name": "m"}, "method": "generation", "n": 1, "kind": "generation",
              "metrics": {"insecure_rate": 0.0}, "baseline": None, "contamination": {}, "warnings": []}

    def fake_evaluate(config: object) -> dict:
        seen["eval"] = config.data_options  # type: ignore[attr-defined]
        return dict(result)

    def fake_compare(base: str, adapted: str, **kwargs: object) -> dict:
        seen["compare"] = kwargs["data_options"]
        raise ValueError("stop here")

    monkeypatch.setattr(llmsec.eval, "evaluate", fake_evaluate)
    monkeypatch.setattr(llmsec.eval, "write_report", lambda *a, **k: {})
    monkeypatch.setattr(llmsec.eval, "compare", fake_compare)
    runner = CliRunner()
    out = runner.invoke(app, ["eval", "m", "--task", "secure-code", "--data", str(tmp_path), "--split", "test",
                              "--out", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    runner.invoke(app, ["compare", "a", "b", "--task", "secure-code", "--data", str(tmp_path), "--split", "test"])
    assert seen == {"eval": {"split": "test"}, "compare": {"split": "test"}}


def test_llmsec_data_tasks_lists_secure_code() -> None:
    """In a fresh process: the task registers in the eval layer, and `llmsec data tasks` imports it."""
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "llmsec", "data", "tasks"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "250"})
    assert proc.returncode == 0, proc.stderr
    assert "secure-code" in proc.stdout
