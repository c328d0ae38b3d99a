"""Experiment tracking: ``trainer: {report_to: tensorboard}`` writes event files into the stage's run folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmsec.config import DataConfig, TransferStage
from llmsec.train import TransferTrainer
from llmsec.train._args import build_training_args, check_report_to


def _events(root: Path) -> list[Path]:
    return sorted(root.rglob("events.out.tfevents.*"))


def test_tensorboard_event_files_in_the_run_folder(tiny_bert_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "run" / "classifier"
    stage = TransferStage(data=DataConfig(train=str(data_dir / "code.jsonl")), max_length=32,
                          trainer={"max_steps": 3, "per_device_train_batch_size": 2, "logging_steps": 1,
                                   "report_to": "tensorboard", "disable_tqdm": True})
    ckpt = TransferTrainer(stage, output_dir=out).run(tiny_bert_dir)
    events = _events(out)
    assert events, f"no tensorboard event file under {out}"
    assert all(e.is_relative_to(out / "_trainer" / "runs") for e in events)
    acc = EventAccumulator(str(events[0].parent))
    acc.Reload()
    losses = [e.value for e in acc.Scalars("train/loss")]
    assert len(losses) == 3 and [e.step for e in acc.Scalars("train/loss")] == [1, 2, 3]
    assert ckpt.metrics["train_steps"] == 3


def test_tracking_is_off_by_default(tiny_bert_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "quiet"
    stage = TransferStage(data=DataConfig(train=str(data_dir / "code.jsonl")), max_length=32,
                          trainer={"max_steps": 1, "per_device_train_batch_size": 2, "disable_tqdm": True})
    TransferTrainer(stage, output_dir=out).run(tiny_bert_dir)
    assert not _events(out) and not (out / "_trainer" / "runs").exists()


def test_report_to_reaches_the_arguments(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    args = build_training_args({"report_to": ["tensorboard"]}, output_dir=tmp_path, seed=1)
    assert args.report_to == ["tensorboard"]
    assert build_training_args({}, output_dir=tmp_path, seed=1).report_to == []  # "none" by default


@pytest.mark.parametrize("tracker", ["mlflow", "wandb"])
def test_missing_tracker_names_its_package(tracker: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, tracker, None)  # as if not installed
    with pytest.raises(ImportError, match=f"pip install {tracker}"):
        check_report_to([tracker])
    check_report_to("none")
    check_report_to("all")  # transformers picks the installed ones


def test_a_missing_tracker_stops_the_recipe_before_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """``llmsec validate`` and the pipeline's preflight report it, before any stage trains."""
    from llmsec.config import Recipe
    from llmsec.train import preflight

    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    recipe = Recipe.model_validate({"model": {"name": "x"}, "stages": [
        {"kind": "transfer", "task": "vuln-detect", "data": {"train": "builtin:vuln-code"}},
        {"kind": "instruct", "data": {"train": "builtin:vuln-code"}, "trainer": {"report_to": "tensorboard"}}]})
    problems = preflight(recipe, check_model=False)
    expected = ("stages.1.trainer.report_to: tensorboard is not installed: pip install 'llmsec[tracking]' "
                "(or: pip install tensorboard)")
    assert [p for p in problems if "report_to" in p] == [expected]
