"""Progress display of the CLI: a rich bar driven by trainer callbacks, and evaluation's bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from transformers import TrainerCallback


class RichProgress(TrainerCallback):
    """One bar per training run, with the latest loss in its description.

    ``trainer: {disable_tqdm: true}`` turns it off, as it does transformers' own bar.
    """

    replaces_printer = True  # the stages drop transformers' plain log printer when this is present

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress: Progress | None = None
        self._task: Any = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero or args.disable_tqdm:
            return
        self._progress = Progress(
            TextColumn("[bold blue]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[loss]}"), TimeRemainingColumn(), console=self.console, transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task("training", total=state.max_steps, loss="")

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=state.global_step)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None,
               **kwargs: Any) -> None:
        if self._progress is not None and logs and "loss" in logs:
            self._progress.update(self._task, loss=f"loss {logs['loss']:.3f}")

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextmanager
def eval_progress() -> Iterator[None]:
    """Show the evaluation loops' progress bars (transformers' tqdm) for the duration, even without
    ``--verbose``: an evaluation has no other sign of life for minutes on a CPU."""
    from transformers.utils import logging as hf_logging

    was = hf_logging.is_progress_bar_enabled()
    hf_logging.enable_progress_bar()
    try:
        yield
    finally:
        if not was:
            hf_logging.disable_progress_bar()
