"""Progress display of a stage run: transformers' bar for Python users, none under a replacing callback."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import TrainerCallback

from llmsec.config import DataConfig, TransferStage
from llmsec.train import TransferTrainer

STEPS = {"max_steps": 3, "per_device_train_batch_size": 2, "logging_steps": 1}


class _OwnBar(TrainerCallback):
    """Stands in for the CLI's rich bar (``llmsec.cli._progress.RichProgress``)."""

    replaces_printer = True

    def __init__(self) -> None:
        self.steps = 0

    def on_step_end(self, args, state, control, **kwargs):
        self.steps = state.global_step


@pytest.fixture(autouse=True)
def _bars_on():
    """A CLI test run earlier in the same process turns library bars off (``llmsec`` without -v does):
    these tests are about llmsec's own switch, so they start with the global one on and restore it."""
    from transformers.utils import logging as hf_logging

    was, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.enable_progress_bar()
    hf_logging.set_verbosity_warning()  # transformers hides the trainer's bar above WARNING
    yield
    hf_logging.set_verbosity(level)
    if not was:
        hf_logging.disable_progress_bar()


def _run(base: Path, data_dir: Path, out: Path, trainer: dict, callbacks=()) -> None:
    stage = TransferStage(data=DataConfig(train=str(data_dir / "code.jsonl")), max_length=32, trainer=trainer)
    TransferTrainer(stage, output_dir=out, callbacks=callbacks).run(base)


def test_python_run_shows_transformers_bar(tiny_bert_dir: Path, data_dir: Path, tmp_path: Path,
                                           capfd: pytest.CaptureFixture[str]) -> None:
    _run(tiny_bert_dir, data_dir, tmp_path / "a", STEPS)
    err = capfd.readouterr().err
    assert "3/3 [" in err, f"no progress bar on stderr: {err[-500:]!r}"


def test_disable_tqdm_turns_the_bar_off(tiny_bert_dir: Path, data_dir: Path, tmp_path: Path,
                                        capfd: pytest.CaptureFixture[str]) -> None:
    _run(tiny_bert_dir, data_dir, tmp_path / "b", {**STEPS, "disable_tqdm": True})
    assert "3/3 [" not in capfd.readouterr().err


def test_a_replacing_callback_is_the_only_display(tiny_bert_dir: Path, data_dir: Path, tmp_path: Path,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    own = _OwnBar()
    _run(tiny_bert_dir, data_dir, tmp_path / "c", STEPS, callbacks=[own])
    captured = capfd.readouterr()
    assert own.steps == 3
    assert "3/3 [" not in captured.err, "transformers' bar must go when a callback replaces it (no double bars)"
    assert "'loss'" not in captured.out, "nor may transformers print the logs"


def test_cli_bar_shows_and_disable_tqdm_turns_it_off(tiny_bert_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    """The CLI's rich bar (``RichProgress``) obeys the same one setting as transformers' bar."""
    import io

    from rich.console import Console

    from llmsec.cli._progress import RichProgress

    shown = io.StringIO()
    _run(tiny_bert_dir, data_dir, tmp_path / "d", STEPS, callbacks=[RichProgress(Console(file=shown, width=100))])
    assert "3/3" in shown.getvalue()
    hidden = io.StringIO()
    _run(tiny_bert_dir, data_dir, tmp_path / "e", {**STEPS, "disable_tqdm": True},
         callbacks=[RichProgress(Console(file=hidden, width=100))])
    assert hidden.getvalue() == ""
