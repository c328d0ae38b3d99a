"""Intermediate checkpoints that survive crashes: atomic commit, verification, resume, sample ledger.

:func:`train_with_checkpoints` runs a trainer with all of it.

The Hugging Face trainer writes ``checkpoint-N`` into its scratch directory
(``<stage>/_trainer``), which serves as the staging area. When it is done, the
:class:`AtomicCheckpoints` callback (rank 0, after every process has written its
part) writes ``llmsec-checkpoint.json`` (size and SHA-256 of every file, the step,
the stage config), flushes everything to disk and renames the directory into
``<stage>/_trainer/checkpoints/``. A rename is atomic, so that folder only ever
holds complete checkpoints; one that was damaged afterwards fails verification
and the previous good one is used instead.

The marker is checked for the exact shape llmsec writes (``_filetable``): a
marker of any other shape makes its checkpoint unusable, like a damaged file.
On resume the trainer reads the checkpoint through a private view of it
(``.resume-checkpoint-N``, hard links to the listed files only), so a file the
marker does not list is never loaded; and a checkpoint already at the stage's
planned last step is loaded without training another step.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from .._process import barrier, is_main_process
from ..config import StageBase
from ._filetable import CheckpointMarker, MarkerError, check_files, parse_marker, sha256_file, unlisted
from ._manifest import StageMismatchError, config_diff

logger = logging.getLogger(__name__)

MARKER = "llmsec-checkpoint.json"
COMMITTED = "checkpoints"
LEDGER = "samples.jsonl"
VIEW_PREFIX = ".resume-"
MAX_MARKER_BYTES = 64 << 20  # a marker lists ~150 bytes per file: room for 400,000 files, never a whole disk
_STEP = re.compile(r"^checkpoint-(\d+)$")


class CheckpointError(OSError):
    """A checkpoint could not be written or is not usable; the message says what to do."""


def fsync_path(path: Path) -> None:
    """Flush a file or a directory entry to disk (best effort on filesystems without fsync)."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_digests(path: Path, *, skip: tuple[str, ...] = (MARKER,), recursive: bool = True
                 ) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of every file under ``path`` (relative POSIX names; hidden files skipped)."""
    out: dict[str, dict[str, Any]] = {}
    for file in sorted(p for p in (path.rglob("*") if recursive else path.iterdir()) if p.is_file()):
        rel = file.relative_to(path).as_posix()
        if rel in skip or rel.startswith("."):
            continue
        out[rel] = {"size": file.stat().st_size, "sha256": sha256_file(file)}
    return out


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file, flush it, then rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def verify_checkpoint(path: str | Path) -> str | None:
    """Why ``path`` is not a complete intermediate checkpoint (None when it is good).

    Good means: its marker has exactly the shape llmsec writes, and every file it
    lists is present with the recorded size and SHA-256. Files it does not list
    do not make it unusable; they are ignored on resume (see :func:`resume_view`).
    """
    path = Path(path)
    if not path.is_dir():
        return "no such directory"
    try:
        marker = _load_marker(path)
    except FileNotFoundError:
        return f"no {MARKER} (the write never finished)"
    except (OSError, MarkerError) as exc:
        return f"damaged {MARKER} ({exc})"
    return check_files(path, marker.files)


def _load_marker(path: Path) -> CheckpointMarker:
    size = (path / MARKER).stat().st_size
    if size > MAX_MARKER_BYTES:
        raise MarkerError(f"{size} bytes, more than any marker llmsec writes ({MAX_MARKER_BYTES})")
    try:
        text = (path / MARKER).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MarkerError(f"not UTF-8 text: {exc}") from None
    return parse_marker(text)


def read_marker(path: str | Path) -> dict[str, Any]:
    """The ``llmsec-checkpoint.json`` of a committed checkpoint, checked for its shape.

    Raises:
        MarkerError: the marker is damaged (:func:`verify_checkpoint` says so first).
    """
    return _load_marker(Path(path)).model_dump(mode="json")


def committed(scratch: Path) -> list[Path]:
    """Committed checkpoints of a stage, oldest step first."""
    folder = scratch / COMMITTED
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _STEP.match(p.name)) and p.is_dir()]
    return [p for _, p in sorted(found)]


def latest_good(scratch: Path) -> Path | None:
    """The newest committed checkpoint that verifies; skipped ones are logged with the reason."""
    for path in reversed(committed(scratch)):
        problem = verify_checkpoint(path)
        if problem is None:
            return path
        logger.warning("checkpoint %s is unusable (%s); falling back to the previous one", path, problem)
    return None


def clean_staging(scratch: Path) -> None:
    """Remove partial ``checkpoint-N`` folders and half-deleted old ones a crash left behind (rank 0)."""
    if not is_main_process() or not scratch.is_dir():
        return
    for path in scratch.iterdir():
        if _STEP.match(path.name) and path.is_dir():
            logger.info("removing partial checkpoint %s left by an interrupted run", path)
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith((".trash-checkpoint-", VIEW_PREFIX)) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def discard_committed(scratch: Path) -> None:
    """Start over: drop committed checkpoints of an earlier run of this stage (rank 0)."""
    old = committed(scratch)
    if not is_main_process() or not old:
        return
    logger.warning("starting stage afresh: removing %d checkpoint(s) of an earlier run in %s "
                   "(pass --resume to continue from them instead)", len(old), scratch / COMMITTED)
    for path in old:
        remove_checkpoint(path)
    ledger = scratch / LEDGER
    if ledger.exists():
        ledger.unlink()


def _callback_base() -> type:
    from transformers import TrainerCallback

    return TrainerCallback


def atomic_checkpoints(scratch: Path, info: dict[str, Any], keep: int | None) -> Any:
    """A ``TrainerCallback`` that commits each ``checkpoint-N`` atomically (see the module doc).

    Args:
        scratch: the Hugging Face output directory (the staging area).
        info: recorded in each marker (the stage config and seed), checked on resume.
        keep: how many committed checkpoints to keep (``save_total_limit``; None keeps all).
    """

    class AtomicCheckpoints(_callback_base()):  # type: ignore[misc]
        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            barrier()  # every rank has written its part (RNG state, shards)
            if state.is_world_process_zero:
                staged = scratch / f"checkpoint-{state.global_step}"
                if state.best_model_checkpoint and Path(state.best_model_checkpoint) == staged:
                    state.best_model_checkpoint = str(scratch / COMMITTED / staged.name)
                    _point_best_at_committed(staged, state.best_model_checkpoint)
                best = Path(state.best_model_checkpoint) if state.best_model_checkpoint else None
                commit(staged, scratch / COMMITTED, {**info, "step": state.global_step}, keep, protect=best)
            barrier()

    return AtomicCheckpoints()


def _point_best_at_committed(staged: Path, committed_path: str) -> None:
    """Make the staged ``trainer_state.json`` name its best checkpoint where it will be committed.

    transformers wrote the staging path into it; a resume from this checkpoint would
    find no such directory, forget the best checkpoint and not load it at the end
    (``load_best_model_at_end``), unlike an uninterrupted run.
    """
    file = staged / "trainer_state.json"
    if not file.is_file():
        return
    data = json.loads(file.read_text(encoding="utf-8"))
    if data.get("best_model_checkpoint") == str(staged):
        data["best_model_checkpoint"] = committed_path
        write_json_atomic(file, data)


def commit(staged: Path, dest_dir: Path, info: dict[str, Any], keep: int | None,
           protect: Path | None = None) -> Path:
    """Checksum, flush and atomically move a finished ``checkpoint-N`` into ``dest_dir``.

    Then rotate (``keep``), never deleting ``protect`` (the best checkpoint, when tracked).

    Raises:
        CheckpointError: the staged checkpoint is missing, or the disk is full; the
            committed checkpoints are left as they were.
    """
    if not staged.is_dir():
        raise CheckpointError(f"the trainer reported a checkpoint at {staged}, but it is not there")
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / staged.name
    try:
        files = file_digests(staged)
        for name in files:
            fsync_path(staged / name)
        write_json_atomic(staged / MARKER, {**info, "files": files})
        fsync_path(staged)
        if target.exists():  # a re-run of the same step after a resume: replace it
            remove_checkpoint(target)
        os.rename(staged, target)
        fsync_path(dest_dir)
    except OSError as exc:
        raise checkpoint_write_error(exc, staged, dest_dir) from exc
    rotate(dest_dir.parent, keep, protect)
    logger.info("checkpoint committed: %s", target)
    return target


def rotate(scratch: Path, keep: int | None, protect: Path | None = None) -> None:
    """Delete all but the newest ``keep`` committed checkpoints (only after a newer one is committed).

    ``protect`` (the best checkpoint of a run with ``load_best_model_at_end``) is kept
    too, as transformers keeps it, so it can still be loaded at the end.
    """
    if not keep:
        return
    for path in committed(scratch)[:-keep]:
        if protect is None or path != protect:
            remove_checkpoint(path)


def remove_checkpoint(path: Path) -> None:
    """Delete a committed checkpoint so that a crash half-way cannot leave a damaged one behind.

    It is first renamed out of ``checkpoints/`` (atomic), then deleted; leftovers of
    an interrupted deletion are swept by :func:`clean_staging`.
    """
    trash = path.parent.parent / f".trash-{path.name}-{os.getpid()}"
    try:
        os.rename(path, trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def checkpoint_write_error(exc: OSError, staged: Path, dest_dir: Path) -> CheckpointError:
    """A clear error for a failed checkpoint write that names the last good checkpoint."""
    shutil.rmtree(staged, ignore_errors=True)
    last = latest_good(dest_dir.parent)
    what = "the disk is full" if exc.errno == errno.ENOSPC else f"{exc.strerror or exc}"
    keep = f"the last good checkpoint, {last}, is intact" if last else "no earlier checkpoint exists"
    return CheckpointError(
        f"writing checkpoint {staged.name} failed: {what} ({exc}). The partial checkpoint was removed and "
        f"{keep}. Free space (or lower save_total_limit), then run `llmsec train RECIPE --resume`."
    )


def resolve_resume(scratch: Path, resume: bool | str | Path, info: dict[str, Any]) -> Path | None:
    """The checkpoint a stage resumes from: None (fresh), the latest good one, or the given path.

    Raises:
        FileNotFoundError: an explicit path that does not exist.
        CheckpointError: an explicit path that is incomplete or corrupt.
        ValueError: a checkpoint written with a different stage config (names the keys).
    """
    if resume is False:
        discard_committed(scratch)
        clean_staging(scratch)
        return None
    clean_staging(scratch)
    if resume is True:
        path = latest_good(scratch)
        if path is None:
            logger.info("no usable checkpoint in %s: starting the stage from the beginning", scratch / COMMITTED)
            return None
    else:
        path = Path(resume)
        if not path.exists():
            raise FileNotFoundError(f"--resume {path}: no such checkpoint. " + available(scratch))
        problem = verify_checkpoint(path)
        if problem is not None:
            raise CheckpointError(f"--resume {path}: not a usable checkpoint ({problem}). " + available(scratch))
    check_marker(path, info)
    logger.info("resuming from %s (step %s)", path, read_marker(path).get("step"))
    return path


def resume_view(checkpoint: Path, scratch: Path) -> Path:
    """What the trainer resumes from: a view of ``checkpoint`` holding only the files its marker lists.

    The view, ``scratch/.resume-checkpoint-N``, holds hard links (symbolic links
    where the filesystem has none) to the listed files, so it costs no copy. Any
    other file in the checkpoint is ignored with a warning and left where it is:
    a planted ``pytorch_model.bin`` (which transformers would load instead of the
    adapter) never reaches the trainer. Built by the main process while the others
    wait; removed by :func:`drop_view`, or by :func:`clean_staging` after a crash.
    """
    view = scratch / f"{VIEW_PREFIX}{checkpoint.name}"
    if is_main_process():
        marker = _load_marker(checkpoint)
        extra = unlisted(checkpoint, marker.files, marker=MARKER)
        if extra:
            logger.warning("ignoring %s in %s: not listed in its %s (only the files llmsec wrote and listed "
                           "are loaded on resume)", ", ".join(extra), checkpoint, MARKER)
        shutil.rmtree(view, ignore_errors=True)
        for name in marker.files:
            _link(checkpoint / name, view / name)
    barrier()
    return view


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        os.symlink(src.resolve(), dst)


def drop_view(view: Path) -> None:
    """Remove a view made by :func:`resume_view` (main process)."""
    if is_main_process():
        shutil.rmtree(view, ignore_errors=True)


class PlanComplete(Exception):
    """The resumed checkpoint is already at the stage's planned last step: there is nothing to train."""


def stop_at_planned_steps() -> Any:
    """A callback that keeps a resumed run from training past its planned steps.

    transformers resumes a checkpoint by skipping the batches of its epoch that
    were trained, then training the rest of that epoch's loop; for a checkpoint
    saved at ``max_steps`` (when that is not a whole number of epochs) that means
    one step more than planned. This callback raises :class:`PlanComplete` at
    ``on_train_begin`` (after the checkpoint is loaded, before any batch is
    drawn) when the loaded step has reached the plan; :func:`finish_without_training`
    then ends the run as ``trainer.train()`` would. Add it last, so that every
    other callback has seen the run begin.
    """

    class StopAtPlannedSteps(_callback_base()):  # type: ignore[misc]
        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if 0 < state.max_steps <= state.global_step:
                raise PlanComplete(f"step {state.global_step} of {state.max_steps}")

    return StopAtPlannedSteps()


def finish_without_training(trainer: Any) -> Any:
    """End a run stopped by :class:`PlanComplete` as ``trainer.train()`` ends one; return its ``TrainOutput``.

    The training loss is the step-weighted mean of the losses the checkpoint logged
    (NaN when it logged none); the runtime is 0.
    """
    from transformers.trainer_utils import TrainOutput

    args, state = trainer.args, trainer.state
    if args.load_best_model_at_end and state.best_model_checkpoint is not None:
        trainer._load_best_model()  # what transformers' own end of training does
    loss = logged_train_loss(state.log_history)
    metrics = {"train_runtime": 0.0, "train_loss": loss}
    trainer.log(dict(metrics))
    trainer.control = trainer.callback_handler.on_train_end(args, state, trainer.control)
    trainer.is_in_train = False
    return TrainOutput(state.global_step, loss, metrics)


def logged_train_loss(log_history: list[dict[str, Any]]) -> float:
    """The mean training loss per step over a trainer's logged losses (each covers the steps since the last)."""
    total, last = 0.0, 0
    for entry in log_history:
        if "loss" in entry and isinstance(entry.get("step"), int) and entry["step"] > last:
            total += float(entry["loss"]) * (entry["step"] - last)
            last = entry["step"]
    return total / last if last else float("nan")


def available(scratch: Path) -> str:
    """One sentence listing the usable checkpoints of a stage, for error messages."""
    good = [str(p) for p in committed(scratch) if verify_checkpoint(p) is None]
    if not good:
        return f"No usable checkpoint in {scratch / COMMITTED}."
    return "Usable checkpoints: " + ", ".join(good) + " (or pass --resume alone for the latest)."


def check_marker(path: Path, info: dict[str, Any]) -> None:
    """Raise when the checkpoint was written with a different stage config or seed."""
    saved = read_marker(path)
    diffs = config_diff({k: saved.get(k) for k in info}, info)
    if diffs:
        raise StageMismatchError(
            f"{path} was written with a different config than this stage: {'; '.join(diffs)}. "
            "Resume with the recipe it was trained with, or start the stage afresh (without --resume)."
        )


def sample_ledger(scratch: Path, resume_step: int) -> Any:
    """A callback that appends the ids of the samples of every optimizer step to ``samples.jsonl``.

    The ids are recorded where the model consumes them (a forward pre-hook, in
    training mode only), so they are exactly what each update trained on,
    whatever the data loader prefetches. A sample's id is a short hash of its
    (unpadded) token ids. Lines hold ``{"step": optimizer step, "ids": [...]}``; on
    resume, lines of steps after the checkpoint (work lost in the crash, redone
    now) are dropped, so the file is the exact sample sequence behind the final
    weights. One file per rank in a distributed run.

    Use: ``ledger = sample_ledger(...)``; ``ledger.attach(model)``; ``trainer.add_callback(ledger)``.
    """
    rank = int(os.environ.get("RANK", "0"))
    path = scratch / (LEDGER if rank == 0 else f"samples.rank{rank}.jsonl")
    scratch.mkdir(parents=True, exist_ok=True)
    kept = [e for e in _read_lines(path) if e["step"] <= resume_step] if resume_step else []
    path.write_text("".join(json.dumps(e) + "\n" for e in kept), encoding="utf-8")

    class SampleLedger(_callback_base()):  # type: ignore[misc]
        def __init__(self) -> None:
            self.pending: list[str] = []

        def attach(self, model: Any) -> None:
            model.register_forward_pre_hook(self._record, with_kwargs=True)

        def _record(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            if not module.training:
                return
            ids = kwargs.get("input_ids", args[0] if args else None)
            if ids is None:
                return
            mask = kwargs.get("attention_mask")
            for i, row in enumerate(ids.detach().cpu()):
                if mask is not None:
                    row = row[mask[i].detach().cpu().bool()]
                self.pending.append(sample_id(row.tolist()))

        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.pending = []

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"step": state.global_step, "ids": self.pending}) + "\n")
            self.pending = []

    return SampleLedger()


def sample_id(token_ids: list[int]) -> str:
    """A short content hash of one sample's token ids."""
    return hashlib.sha1(json.dumps(token_ids).encode(), usedforsecurity=False).hexdigest()[:12]


def _read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash
        if isinstance(entry, dict) and type(entry.get("step")) is int and isinstance(entry.get("ids"), list):
            out.append(entry)  # anything else is a damaged line, skipped like a cut one
    return out


def read_ledger(scratch: str | Path) -> list[dict[str, Any]]:
    """The recorded ``{"step", "ids"}`` lines of a stage's trainer directory (rank 0), in order."""
    return _read_lines(Path(scratch) / LEDGER)


def train_with_checkpoints(trainer: Any, stage: StageBase, scratch: Path, *, seed: int,
                           resume: bool | str | Path = False, record_samples: bool = False) -> Any:
    """``trainer.train()`` with atomic checkpoints, resume and an optional sample ledger.

    Args:
        trainer: a Hugging Face / trl trainer whose ``output_dir`` is ``scratch``.
        stage: the stage config, recorded in each checkpoint and checked on resume.
        scratch: the trainer's output directory (staging; committed checkpoints below it).
        seed: the recipe seed, checked on resume like the stage config.
        resume: False (start afresh), True (latest good checkpoint, if any) or a checkpoint path.
        record_samples: write each step's sample ids to ``scratch/samples.jsonl``.

    Raises:
        CheckpointError: a checkpoint could not be written (disk full...) or an
            explicit ``resume`` path is unusable; earlier checkpoints stay intact.
        FileNotFoundError: an explicit ``resume`` path that does not exist.
    """
    info = {"stage": stage.model_dump(mode="json"), "seed": seed}
    start = resolve_resume(scratch, resume, info)
    barrier()
    view = resume_view(start, scratch) if start else None  # only the files the checkpoint's marker lists
    trainer.add_callback(atomic_checkpoints(scratch, info, trainer.args.save_total_limit))
    if record_samples:
        ledger = sample_ledger(scratch, int(read_marker(start)["step"]) if start else 0)
        ledger.attach(trainer.model)
        trainer.add_callback(ledger)
    trainer.add_callback(stop_at_planned_steps())  # last: every other callback has seen the run begin
    try:
        return trainer.train(resume_from_checkpoint=str(view) if view else None)
    except PlanComplete as done:
        logger.info("%s is already at the planned last step (%s): nothing left to train", start, done)
        return finish_without_training(trainer)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            raise
        staged = scratch / f"checkpoint-{trainer.state.global_step}"
        raise checkpoint_write_error(exc, staged, scratch / COMMITTED) from exc
    finally:
        if view is not None:
            drop_view(view)
