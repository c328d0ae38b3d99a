"""``--strict`` fails closed: training data that is missing or changed since training is an error
(a warning without ``--strict``), checked against the fingerprints the manifests recorded."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmsec.cli import app
from llmsec.data import Example, fingerprint, verify_source
from llmsec.eval import ContaminationError, contamination_check
from llmsec.train import MANIFEST, read_checkpoint

TRAIN = [{"text": "strcpy(buf, input);", "label": "vulnerable"}, {"text": "gets(line);", "label": "vulnerable"},
         {"text": "fgets(line, sizeof line, stdin);", "label": "safe"}]
TEST = [Example("snprintf(out, sizeof out, \"%s\", user);", "safe"), Example("system(cmd + arg);", "vulnerable")]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _checkpoint(tmp_path: Path, train: Path, recorded: str | None = "auto") -> Path:
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    fp = fingerprint(train) if recorded == "auto" else recorded
    manifest = {"format_version": 1, "stage": {"kind": "transfer", "data": {}}, "base": "tiny", "parent": None,
                "task": "vuln-detect", "data": {"format": "jsonl", "train": {"source": str(train), "fingerprint": fp}}}
    (ckpt / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return ckpt


@pytest.fixture
def trained(tmp_path: Path) -> tuple[Path, Path]:
    train = _jsonl(tmp_path / "train.jsonl", TRAIN)
    return _checkpoint(tmp_path, train), train


def test_verify_source_statuses(tmp_path: Path) -> None:
    f = _jsonl(tmp_path / "a.jsonl", TRAIN)
    fp = fingerprint(f)
    assert verify_source(f, fp).status == "ok"
    assert verify_source(f, "0" * 16).status == "changed"
    assert verify_source(f, None).status == "unrecorded"
    assert verify_source(tmp_path / "gone.jsonl", fp).status == "missing"
    assert verify_source("builtin:vuln-code", fingerprint("builtin:vuln-code")).ok


def test_unchanged_training_data_is_verified_and_clean(trained: tuple[Path, Path]) -> None:
    out = contamination_check(read_checkpoint(trained[0]), TEST, test_source="t.jsonl", strict=True)
    assert out["checked"] and out["verified"] and out["clean"] and "warning" not in out
    assert [c["status"] for c in out["data_checks"]] == ["ok"]


def test_moved_training_data_is_an_error_under_strict(trained: tuple[Path, Path], tmp_path: Path) -> None:
    ckpt, train = trained
    train.rename(tmp_path / "elsewhere.jsonl")
    with pytest.raises(ContaminationError, match=r"--strict: .*train\.jsonl is missing \(moved or deleted"):
        contamination_check(read_checkpoint(ckpt), TEST, test_source="t.jsonl", strict=True)


def test_moved_training_data_is_a_warning_otherwise(trained: tuple[Path, Path], tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    ckpt, train = trained
    train.rename(tmp_path / "elsewhere.jsonl")
    with caplog.at_level(logging.WARNING):
        out = contamination_check(read_checkpoint(ckpt), TEST, test_source="t.jsonl")
    assert not out["checked"] and not out["verified"] and out["clean"] is None
    assert "is missing" in out["warning"] and "is missing" in caplog.text


def test_replaced_training_data_is_an_error_under_strict(trained: tuple[Path, Path]) -> None:
    ckpt, train = trained
    _jsonl(train, [{"text": "int main(void) { return 0; }", "label": "safe"}])  # no overlap with TEST either
    with pytest.raises(ContaminationError, match=r"train\.jsonl changed since training \(fingerprint [0-9a-f]{16}, "
                                                 r"the manifest recorded [0-9a-f]{16}\)"):
        contamination_check(read_checkpoint(ckpt), TEST, test_source="t.jsonl", strict=True)
    out = contamination_check(read_checkpoint(ckpt), TEST, test_source="t.jsonl")
    assert out["checked"] and out["clean"] and not out["verified"]  # clean against what is there now, but
    assert out["summary"].startswith("UNVERIFIED") and "changed since training" in out["warning"]


def test_no_recorded_fingerprint_or_no_recorded_data_fails_closed(tmp_path: Path) -> None:
    train = _jsonl(tmp_path / "train.jsonl", TRAIN)
    ckpt = read_checkpoint(_checkpoint(tmp_path, train, recorded=None))
    with pytest.raises(ContaminationError, match="no fingerprint in the manifest"):
        contamination_check(ckpt, TEST, test_source="t.jsonl", strict=True)
    manifest = json.loads((ckpt.path / MANIFEST).read_text())
    del manifest["data"]["train"]
    (ckpt.path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ContaminationError, match="records its training data"):
        contamination_check(read_checkpoint(ckpt.path), TEST, test_source="t.jsonl", strict=True)
    assert "warning" in contamination_check(read_checkpoint(ckpt.path), TEST, test_source="t.jsonl")


def test_cli_eval_strict_exits_with_an_error_when_the_training_file_was_moved(trained: tuple[Path, Path],
                                                                               tmp_path: Path) -> None:
    ckpt, train = trained
    test = _jsonl(tmp_path / "test.jsonl", [{"text": e.text, "label": e.label} for e in TEST])
    train.rename(tmp_path / "moved.jsonl")
    result = CliRunner().invoke(app, ["eval", str(ckpt), "--data", str(test), "--task", "vuln-detect", "--strict",
                                      "--no-audit", "--out", str(tmp_path / "out")], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert "train.jsonl is missing" in result.output and "--strict" in result.output
