"""The evaluation harness on a tiny transfer checkpoint: contamination, baseline, reports, card, CLI."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from llmsec.cli import app
from llmsec.config import DataConfig, TransferStage
from llmsec.eval import SCHEMA_VERSION, ContaminationError, evaluate, write_model_card, write_report
from llmsec.train import TransferTrainer

VULN = ["strcpy(buf, input);", "gets(line);", "sprintf(out, fmt, user);", "system(cmd + arg);",
        "memcpy(dst, src, n_from_packet);", "eval(request.args['q'])"]
SAFE = ["strncpy(buf, input, sizeof buf - 1);", "fgets(line, sizeof line, stdin);",
        "snprintf(out, sizeof out, \"%s\", user);", "execv(path, argv);",
        "memcpy(dst, src, min(n, sizeof dst));", "int(request.args['q'])"]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def setup(tiny_bert_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("harness")
    train = _write(d / "train.jsonl", [{"text": t, "label": "vulnerable", "group": f"v{i}"} for i, t in enumerate(VULN)]
                   + [{"text": t, "label": "safe", "group": f"s{i}"} for i, t in enumerate(SAFE)])
    clean = _write(d / "clean.jsonl", [
        {"text": "char b[4]; strcat(b, argv[1]); /* unchecked */", "label": "vulnerable"},
        {"text": "os.system('rm ' + user_path)", "label": "vulnerable"},
        {"text": "subprocess.run(['rm', user_path], check=True)", "label": "safe"},
        {"text": "size_t n = strnlen(s, MAX); memcpy(d, s, n);", "label": "safe"},
    ])
    leaky = _write(d / "leaky.jsonl", [{"text": VULN[0], "label": "vulnerable"}, {"text": SAFE[0], "label": "safe"},
                                       {"text": "os.system('rm ' + p)", "label": "vulnerable"}])
    stage = TransferStage(data=DataConfig(train=str(train), eval=str(clean)), max_length=24,
                          trainer={"max_steps": 2, "logging_steps": 1, "per_device_train_batch_size": 4})
    ckpt = TransferTrainer(stage, output_dir=d / "clf").run(tiny_bert_dir)
    return {"dir": d, "ckpt": ckpt, "clean": clean, "leaky": leaky, "train": train}


def test_detection_result_schema_baseline_and_eval_source(setup: dict) -> None:
    res = evaluate(setup["ckpt"], task="vuln-detect")  # data: the eval set recorded in the manifest
    assert res["schema_version"] == SCHEMA_VERSION and res["data"]["source"] == str(setup["clean"])
    assert res["method"] == "classifier" and res["n"] == 4 and res["labels"] == ["safe", "vulnerable"]
    for key in ("accuracy", "f1", "mcc", "roc_auc", "pr_auc", "fpr", "vd_s"):
        assert key in res["metrics"] and key in res["baseline"]["metrics"]
    assert res["baseline"]["method"] == "tfidf-logreg" and res["baseline"]["n_train"] == 12
    assert res["baseline"]["train_source"] == str(setup["train"])
    assert res["contamination"]["checked"] and res["contamination"]["clean"]
    assert [s["kind"] for s in res["lineage"]] == ["transfer"]
    assert len(res["items"]) == 4 and sum(it["pred"] == it["label"] for it in res["items"]) / 4 == \
        pytest.approx(res["metrics"]["accuracy"])


def test_contamination_warns_loudly_or_refuses(setup: dict, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        res = evaluate(setup["ckpt"], task="vuln-detect", data=setup["leaky"], baseline=False)
    assert "CONTAMINATION: 2 of 3 test records" in caplog.text
    assert res["contamination"]["report"]["contaminated"] == 2 and res["contamination"]["clean"] is False
    assert any("contamination" in w for w in res["warnings"])
    with pytest.raises(ContaminationError, match=r"leaky\.jsonl: 2 of 3 test records .* 2 exact duplicates"):
        evaluate(setup["ckpt"], task="vuln-detect", data=setup["leaky"], strict=True)


def test_bad_input_errors(setup: dict, tiny_bert_dir: Path, tiny_llama_dir: Path) -> None:
    bad = _write(setup["dir"] / "bad.jsonl", [{"text": "x = 1", "label": "safe"}, {"text": "y", "label": "benign"}])
    with pytest.raises(ValueError, match=r"bad\.jsonl: labels outside task 'vuln-detect'.*'benign' \(first at rec"):
        evaluate(setup["ckpt"], task="vuln-detect", data=bad)
    with pytest.raises(ValueError, match=r"no task head for detection task 'vuln-detect'.*drop --require-head"):
        evaluate(tiny_llama_dir, task="vuln-detect", data=setup["clean"], require_head=True)
    with pytest.raises(ValueError, match=r"no task head .* no chat template"):
        evaluate(tiny_bert_dir, task="vuln-detect", data=setup["clean"])
    with pytest.raises(ValueError, match="pass --data"):
        evaluate(tiny_bert_dir, task="vuln-detect")


def test_report_files_and_model_card(setup: dict, tmp_path: Path) -> None:
    res = evaluate(setup["ckpt"], task="vuln-detect", data=setup["leaky"])
    files = write_report(res, tmp_path / "rep")
    for name in ("results.json", "report.md", "roc.png", "pr.png", "confusion.png", "calibration.png", "loss.png"):
        assert files[name].is_file() and files[name].stat().st_size > 0, name
    data = json.loads(files["results.json"].read_text())
    for key in ("schema_version", "task", "model", "lineage", "metrics", "baseline", "contamination", "plots"):
        assert key in data
    assert "items" not in data and "items" not in data["baseline"]
    md = files["report.md"].read_text()
    assert "| TF-IDF + logistic regression" in md and "**WARNING: 2 of 3 test items" in md and "![roc.png]" in md
    with_items = json.loads(write_report(res, tmp_path / "rep2", predictions=True, plots=False)["results.json"]
                            .read_text())
    assert len(with_items["items"]) == 3

    card = write_model_card(setup["ckpt"], res)
    assert card == setup["ckpt"].path / "README.md"
    text = card.read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["library_name"] in ("transformers", "peft") and front["base_model"]
    assert "vuln-detect" in front["tags"]
    metrics = {m["type"]: m["value"] for m in front["model-index"][0]["results"][0]["metrics"]}
    assert metrics["accuracy"] == pytest.approx(res["metrics"]["accuracy"], abs=1e-6)
    assert "## Lineage" in text and "## Limitations" in text and "## Training data" in text


def test_cli_eval_and_compare(setup: dict, tiny_llama_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "eval"
    result = runner.invoke(app, ["eval", str(setup["ckpt"].path), "--task", "vuln-detect", "--out", str(out),
                                 "--card", "--predictions"])
    assert result.exit_code == 0, result.output
    assert (out / "results.json").is_file() and (out / "report.md").is_file()
    assert "TF-IDF baseline" in result.output and (setup["ckpt"].path / "README.md").is_file()
    assert len(json.loads((out / "results.json").read_text())["items"]) == 4

    refused = runner.invoke(app, ["eval", str(setup["ckpt"].path), "--data", str(setup["leaky"]), "--strict",
                                  "--out", str(tmp_path / "no")])
    assert refused.exit_code == 2 and "contaminated test set" in refused.output

    cmp_out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(tiny_llama_dir), str(setup["ckpt"].path), "--resamples", "200",
                                 "--out", str(cmp_out)])
    assert result.exit_code == 0, result.output
    comp = json.loads((cmp_out / "compare.json").read_text())
    assert [r["metric"] for r in comp["comparison"]] == ["accuracy", "f1", "mcc", "roc_auc"]
    assert comp["base"]["n"] == comp["adapted"]["n"] == 4 and comp["bootstrap"]["n_resamples"] == 200
    assert "B - A" in (cmp_out / "compare.md").read_text()


def test_compare_fails_fast_when_the_base_cannot_be_scored(setup: dict, tiny_bert_dir: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from llmsec.eval import _evaluate, check_scorable, compare

    def never(*args, **kwargs):
        raise AssertionError("evaluated before the base was checked")

    monkeypatch.setattr(_evaluate, "evaluate", never)
    with pytest.raises(ValueError, match=r"no task head .* no chat template"):
        compare(tiny_bert_dir, setup["ckpt"])  # a bare encoder: no head and no chat template
    check_scorable(setup["ckpt"], "vuln-detect", require_head=True)  # a trained head passes
    check_scorable(tiny_bert_dir, "cti-mcq")  # generation tasks are not checked here
