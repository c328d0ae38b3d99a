"""The one walk over manifests' ``parent`` links: cycles and runaway chains are clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from llmsec.eval import model_card
from llmsec.eval._lineage import contamination_check, eval_source, lineage_summary, training_sources
from llmsec.train import MANIFEST, LineageError, lineage, read_checkpoint


def fake_checkpoint(path: Path, parent: str | Path | None, *, train: Path | None = None) -> Path:
    """A checkpoint directory with only a manifest (enough for every lineage walk)."""
    path.mkdir(parents=True, exist_ok=True)
    data: dict = {"format": "jsonl", "eval": {"source": str(path / "test.jsonl"), "fingerprint": "x"}}
    if train is not None:
        data["train"] = {"source": str(train), "fingerprint": "x"}
    manifest = {"format_version": 1, "stage": {"kind": "transfer", "data": {}}, "base": "tiny",
                "parent": None if parent is None else str(parent), "data": data, "task": "vuln-detect",
                "metrics": {"train_loss": 1.0}}
    (path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return path


def test_a_plain_chain_is_walked_oldest_first(tmp_path: Path) -> None:
    a = fake_checkpoint(tmp_path / "a", None)
    b = fake_checkpoint(tmp_path / "b", a)
    c = fake_checkpoint(tmp_path / "c", b)
    assert [ck.path.name for ck in lineage(read_checkpoint(c))] == ["a", "b", "c"]


def test_a_checkpoint_that_is_its_own_parent_is_an_error(tmp_path: Path) -> None:
    a = fake_checkpoint(tmp_path / "a", tmp_path / "a")
    with pytest.raises(LineageError, match="cycle") as err:
        lineage(read_checkpoint(a))
    assert str(a / MANIFEST) in str(err.value) and "'parent'" in str(err.value)


def test_a_two_checkpoint_cycle_is_an_error(tmp_path: Path) -> None:
    fake_checkpoint(tmp_path / "a", tmp_path / "b")
    b = fake_checkpoint(tmp_path / "b", tmp_path / "a")
    with pytest.raises(LineageError, match=r"cycle: .*b -> .*a -> .*b"):
        lineage(read_checkpoint(b))


def test_a_cycle_spelled_another_way_is_still_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    fake_checkpoint(tmp_path / "real" / "a", Path("link") / "b" / ".." / "a")  # relative, through a symlink
    b = fake_checkpoint(tmp_path / "real" / "b", tmp_path / "real" / "a")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LineageError, match="cycle"):
        lineage(read_checkpoint(b))


def test_a_runaway_chain_is_bounded(tmp_path: Path) -> None:
    parent: Path | None = None
    for i in range(6):
        parent = fake_checkpoint(tmp_path / f"c{i}", parent)
    assert len(lineage(read_checkpoint(parent))) == 6
    with pytest.raises(LineageError, match="longer than 4 checkpoints"):
        lineage(read_checkpoint(parent), max_depth=4)


def test_every_lineage_reader_raises_on_a_cycle(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_text('{"text": "x", "label": "safe"}\n', encoding="utf-8")
    ckpt = read_checkpoint(fake_checkpoint(tmp_path / "a", tmp_path / "a", train=train))
    for walk in (training_sources, lineage_summary, eval_source):
        with pytest.raises(LineageError):
            walk(ckpt)
    with pytest.raises(LineageError):
        contamination_check(ckpt, [], test_source="t.jsonl")
    result = {"task": "vuln-detect", "data": {"source": "t"}, "n": 1, "method": "classifier",
              "metrics": {"accuracy": 1.0}}
    with pytest.raises(LineageError):
        model_card(ckpt, result)


def test_eval_and_compare_cli_report_the_cycle(tmp_path: Path, tiny_llama_dir: Path) -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app

    ckpt = fake_checkpoint(tmp_path / "a", tmp_path / "a")
    test = tmp_path / "test.jsonl"
    test.write_text('{"text": "int f(void) { return 0; }", "label": "safe"}\n', encoding="utf-8")
    runner = CliRunner()
    for args in (["eval", str(ckpt)], ["eval", str(ckpt), "--data", str(test)],
                 ["compare", str(tiny_llama_dir), str(ckpt), "--data", str(test)]):
        result = runner.invoke(app, args, env={"COLUMNS": "400"})
        assert result.exit_code == 2, (args, result.output)
        assert "checkpoint lineage has a cycle" in result.output, result.output
