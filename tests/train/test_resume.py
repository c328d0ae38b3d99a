"""Exact resume: atomic checkpoints, fallback past damaged ones, SIGKILL at random steps, disk full."""

from __future__ import annotations

import errno
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file
from typer.testing import CliRunner

from llmsec.config import recipe_from_dict
from llmsec.train import (
    CheckpointError,
    Pipeline,
    StageMismatchError,
    latest_good,
    read_checkpoint,
    read_ledger,
    verify_checkpoint,
)

STEPS = 24


def write_corpus(path: Path, n: int = 10) -> Path:
    """Documents whose numbers make every packed block distinct (so sample ids are unique)."""
    with path.open("w") as fh:
        for i in range(n):
            fh.write(json.dumps({"text": f"Record {i}: CVE-2023-{i:05d} lets module m{i} overflow {i * 13}."}) + "\n")
    return path


def raw_recipe(model: Path, corpus: Path, out: Path, steps: int = STEPS, **trainer: object) -> dict:
    return {
        "model": {"name": str(model)}, "output_dir": str(out), "seed": 3,
        "checkpointing": {"record_samples": True},
        "stages": [{"kind": "pretrain", "max_length": 16, "data": {"train": str(corpus)},
                    "trainer": {"max_steps": steps, "per_device_train_batch_size": 2, "learning_rate": 1e-2,
                                "save_strategy": "steps", "save_steps": 1, "logging_steps": 1, **trainer}}],
    }


def scratch(out: Path) -> Path:
    return out / "0-pretrain" / "_trainer"


def adapter(out: Path) -> dict[str, torch.Tensor]:
    return load_file(str(out / "0-pretrain" / "adapter_model.safetensors"))


def assert_same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    """Bit-identical tensors (the CPU run is deterministic, so no tolerance is needed)."""
    assert a.keys() == b.keys()
    different = [key for key in a if not torch.equal(a[key], b[key])]
    assert not different, f"weights differ from the uninterrupted run: {different}"


def steps_of(ledger: list[dict]) -> list[int]:
    return [e["step"] for e in ledger]


@pytest.fixture(scope="module")
def reference(tiny_llama_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An uninterrupted run: (output dir, corpus)."""
    d = tmp_path_factory.mktemp("resume-ref")
    corpus = write_corpus(d / "corpus.jsonl")
    out = d / "ref"
    Pipeline(recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, out))).run()
    ledger = read_ledger(scratch(out))
    assert steps_of(ledger) == list(range(1, STEPS + 1))
    return out, corpus


def test_every_checkpoint_is_committed_and_verifiable(reference: tuple[Path, Path]) -> None:
    out, _ = reference
    committed = sorted((scratch(out) / "checkpoints").iterdir(), key=lambda p: int(p.name.split("-")[1]))
    assert [p.name for p in committed] == [f"checkpoint-{i}" for i in range(1, STEPS + 1)]
    for path in committed:
        assert verify_checkpoint(path) is None
        names = set(os.listdir(path))
        assert {"adapter_model.safetensors", "optimizer.pt", "scheduler.pt", "rng_state.pth",
                "trainer_state.json", "llmsec-checkpoint.json"} <= names
    assert not list(scratch(out).glob("checkpoint-*")), "nothing is left in the staging area"
    ledger = read_ledger(scratch(out))
    ids = [i for e in ledger for i in e["ids"]]
    blocks = json.loads((out / "0-pretrain" / "llmsec.json").read_text())["data"]["train_blocks"]
    first_epoch = ids[:blocks]
    assert len(set(first_epoch)) == blocks, "an epoch sees every block exactly once"
    assert set(ids[blocks:]) <= set(first_epoch)


def test_damaged_checkpoints_fall_back_to_the_previous_good_one(
    reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ref, corpus = reference
    out = tmp_path / "run"
    shutil.copytree(ref, out)
    ck = scratch(out) / "checkpoints"
    (out / "0-pretrain" / "llmsec.json").unlink()  # the stage "never finished"
    for step in range(STEPS - 5, STEPS + 1):
        shutil.rmtree(ck / f"checkpoint-{step}")  # the crash came at step STEPS - 5
    last = ck / f"checkpoint-{STEPS - 6}"
    blob = last / "adapter_model.safetensors"
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF  # bit rot
    blob.write_bytes(bytes(data))
    (ck / f"checkpoint-{STEPS - 7}" / "llmsec-checkpoint.json").unlink()  # never finished committing
    partial = scratch(out) / f"checkpoint-{STEPS - 5}"
    partial.mkdir()
    (partial / "adapter_model.safetensors").write_bytes(b"half")
    assert verify_checkpoint(last) == "adapter_model.safetensors does not match its SHA-256 (corrupted)"
    with caplog.at_level(logging.WARNING, logger="llmsec"):
        assert latest_good(scratch(out)) == ck / f"checkpoint-{STEPS - 8}"
    assert "unusable" in caplog.text and "falling back to the previous one" in caplog.text

    cfg = recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, out))
    (checkpoint,) = Pipeline(cfg, resume=True).run()
    assert not partial.exists(), "partial staging checkpoints are removed"
    assert_same_weights(adapter(ref), adapter(out))
    assert read_ledger(scratch(out)) == read_ledger(scratch(ref))
    assert checkpoint.metrics["train_steps"] == STEPS

    changed = recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, out, learning_rate=5e-3))
    (out / "0-pretrain" / "llmsec.json").unlink()
    with pytest.raises(StageMismatchError, match=r"trainer\.learning_rate: checkpoint has 0\.01, recipe has 0\.005"):
        Pipeline(changed, resume=True).run()


def test_resume_from_an_explicit_path(reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path) -> None:
    ref, corpus = reference
    out = tmp_path / "run"
    shutil.copytree(ref, out)
    cfg = recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, out))
    Pipeline(cfg, resume=scratch(out) / "checkpoints" / "checkpoint-5").run()
    assert_same_weights(adapter(ref), adapter(out))
    assert read_ledger(scratch(out)) == read_ledger(scratch(ref))


def test_resume_path_errors(reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path) -> None:
    from llmsec.cli import app

    ref, corpus = reference
    cfg = recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, ref))
    with pytest.raises(FileNotFoundError, match="no such checkpoint") as err:
        Pipeline(cfg, resume=tmp_path / "nope").run()
    assert "Usable checkpoints:" in str(err.value) and "checkpoint-24" in str(err.value)
    elsewhere = tmp_path / "checkpoint-3"
    elsewhere.mkdir()
    with pytest.raises(ValueError, match="not a checkpoint of this recipe"):
        Pipeline(cfg, resume=elsewhere).run()

    recipe_file = tmp_path / "r.yaml"
    recipe_file.write_text(yaml.safe_dump(raw_recipe(tiny_llama_dir, corpus, ref)))
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(recipe_file), str(tmp_path / "missing"), "--resume"])
    assert result.exit_code == 2 and "no such checkpoint" in " ".join(result.output.split())
    result = runner.invoke(app, ["train", str(recipe_file), str(tmp_path / "missing")])
    assert result.exit_code == 2 and "without --resume" in " ".join(result.output.split())


def test_disk_full_while_checkpointing(
    reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref, corpus = reference
    out = tmp_path / "full"
    real_save = torch.save

    def save(obj: object, f: object, *args: object, **kwargs: object) -> None:
        if "checkpoint-4" in str(f):
            real_save(obj, f, *args, **kwargs)  # a file half written...
            raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full
        real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    cfg = recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, out, steps=6))
    with pytest.raises(CheckpointError) as err:
        Pipeline(cfg).run()
    msg = str(err.value)
    assert "writing checkpoint checkpoint-4 failed: the disk is full" in msg
    assert "checkpoint-3, is intact" in msg and "--resume" in msg
    ck = scratch(out) / "checkpoints"
    assert sorted(p.name for p in ck.iterdir()) == ["checkpoint-1", "checkpoint-2", "checkpoint-3"]
    assert all(verify_checkpoint(p) is None for p in ck.iterdir())
    assert not (scratch(out) / "checkpoint-4").exists()

    monkeypatch.setattr(torch, "save", real_save)  # space freed
    (checkpoint,) = Pipeline(cfg, resume=True).run()
    assert checkpoint.metrics["train_steps"] == 6
    assert steps_of(read_ledger(scratch(out))) == [1, 2, 3, 4, 5, 6]
    assert read_ledger(scratch(out)) == read_ledger(scratch(ref))[:6]


def _committed_steps(path: Path) -> list[int]:
    folder = path / "checkpoints"
    return sorted(int(p.name.split("-")[1]) for p in folder.iterdir()) if folder.is_dir() else []


def run_and_kill(cmd: list[str], scr: Path, at_step: int, rng: random.Random, timeout: float = 600) -> int:
    """Start training, SIGKILL it soon after checkpoint ``at_step`` exists; return the step reached."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            steps = _committed_steps(scr)
            if steps and steps[-1] >= at_step:
                time.sleep(rng.uniform(0.0, 0.08))  # land anywhere: mid-step or mid-checkpoint
                break
            if proc.poll() is not None:
                raise AssertionError(f"training ended (rc {proc.returncode}) before step {at_step}: "
                                     f"{proc.stderr.read()[-2000:]}")
            time.sleep(0.01)
        else:
            raise AssertionError(f"step {at_step} not reached in {timeout} s")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    return max(_committed_steps(scr))


@pytest.mark.slow
def test_sigkill_at_random_steps_then_resume_matches_uninterrupted(
    reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path
) -> None:
    ref, corpus = reference
    out = tmp_path / "killed"
    recipe_file = tmp_path / "recipe.yaml"
    # save_total_limit: old checkpoints are deleted while training, so kills also hit deletions
    recipe_file.write_text(yaml.safe_dump(raw_recipe(tiny_llama_dir, corpus, out, save_total_limit=2)))
    cmd = [sys.executable, "-m", "llmsec", "train", str(recipe_file)]
    rng = random.Random(int(os.environ.get("LLMSEC_KILL_SEED", "5")))
    targets = [rng.randint(2, 5), rng.randint(9, 12), rng.randint(16, 19)]
    reached = []
    for i, target in enumerate(targets):
        reached.append(run_and_kill(cmd + (["--resume"] if i else []), scratch(out), target, rng))
        assert not (out / "0-pretrain" / "llmsec.json").exists(), "killed before the stage finished"
        assert all(verify_checkpoint(p) is None for p in (scratch(out) / "checkpoints").iterdir()), \
            "a committed checkpoint was damaged by the kill"
    assert reached == sorted(reached) and reached[-1] < STEPS
    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

    assert_same_weights(adapter(ref), adapter(out))
    got, want = read_ledger(scratch(out)), read_ledger(scratch(ref))
    assert steps_of(got) == list(range(1, STEPS + 1)), "every step exactly once"
    assert got == want, "the same samples in the same order: none skipped, none seen twice"
    def losses(run: Path) -> list[float]:
        history = json.loads((run / "0-pretrain" / "llmsec.json").read_text())["log_history"]
        return [h["loss"] for h in history if "loss" in h]

    assert losses(out) == pytest.approx(losses(ref), abs=1e-6)  # the history survives the kills too
    assert len(losses(out)) == STEPS


def test_a_crash_while_deleting_an_old_checkpoint_leaves_no_damaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmsec.train import _resume

    scr = tmp_path / "_trainer"
    for step in (1, 2, 3):
        staged = scr / f"checkpoint-{step}"
        staged.mkdir(parents=True)
        (staged / "adapter_model.safetensors").write_bytes(bytes(range(step, step + 50)))
        _resume.commit(staged, scr / "checkpoints", {"step": step}, keep=None)

    def crash(path: object, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("killed half-way through a deletion")

    monkeypatch.setattr(_resume.shutil, "rmtree", crash)
    with pytest.raises(KeyboardInterrupt):
        _resume.rotate(scr, keep=2)
    monkeypatch.undo()
    left = sorted(p.name for p in (scr / "checkpoints").iterdir())
    assert left == ["checkpoint-2", "checkpoint-3"]
    assert all(verify_checkpoint(scr / "checkpoints" / name) is None for name in left)
    assert [p.name for p in scr.glob(".trash-*")], "the half-deleted one sits outside checkpoints/"
    _resume.clean_staging(scr)
    assert not list(scr.glob(".trash-*"))


# --- exact resume: a crash at each moment, damaged markers, unlisted files, bit rot in finished stages ---

CRASH_AT = 9  # the step whose checkpoint the crash interrupts (save_total_limit 2: rotation deletes CRASH_AT - 2)


class Killed(BaseException):
    """Stands in for SIGKILL: no ``except Exception`` in llmsec or transformers can catch it."""


def assert_same_as_reference(ref: Path, out: Path, checkpoint: object) -> None:
    """The resumed stage ends exactly where the uninterrupted one does: step count, samples, weights."""
    assert checkpoint.metrics["train_steps"] == STEPS
    assert _committed_steps(scratch(out))[-1] == STEPS, "no checkpoint past the planned steps"
    assert steps_of(read_ledger(scratch(out))) == list(range(1, STEPS + 1)), "every step once, none past max_steps"
    assert read_ledger(scratch(out)) == read_ledger(scratch(ref))
    manifest = json.loads((out / "0-pretrain" / "llmsec.json").read_text())
    assert max(h.get("step", 0) for h in manifest["log_history"]) == STEPS
    assert_same_weights(adapter(ref), adapter(out))


def _crash_while_the_trainer_writes(monkeypatch: pytest.MonkeyPatch) -> list:
    real_save = torch.save

    def save(obj: object, f: object, *args: object, **kwargs: object) -> None:
        if f"checkpoint-{CRASH_AT}" in str(f) and str(f).endswith("optimizer.pt"):
            Path(str(f)).write_bytes(b"half an optimizer state")
            raise Killed
        real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    return []


def _crash_during_the_commit(monkeypatch: pytest.MonkeyPatch) -> list:
    from llmsec.train import _resume

    real = _resume.write_json_atomic

    def write(path: Path, data: dict) -> None:
        real(path, data)
        if path.name == _resume.MARKER and path.parent.name == f"checkpoint-{CRASH_AT}":
            raise Killed  # staged and marked, not yet renamed into checkpoints/

    monkeypatch.setattr(_resume, "write_json_atomic", write)
    return []


def _crash_during_rotation(monkeypatch: pytest.MonkeyPatch) -> list:
    real = shutil.rmtree

    def rmtree(path: object, *args: object, **kwargs: object) -> None:
        p = Path(str(path))
        if p.name.startswith(f".trash-checkpoint-{CRASH_AT - 2}-"):
            next(p.iterdir()).unlink()  # half deleted
            raise Killed
        real(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    return []


def _crash_after_the_last_checkpoint(monkeypatch: pytest.MonkeyPatch) -> list:
    from transformers import TrainerCallback

    class KillAtTrainEnd(TrainerCallback):
        def on_train_end(self, *args: object, **kwargs: object) -> None:
            raise Killed  # checkpoint-STEPS is committed; the final save has not begun

    return [KillAtTrainEnd()]


def _crash_during_the_final_save(monkeypatch: pytest.MonkeyPatch) -> list:
    from llmsec.checkpoints import _final

    def write_manifest(path: Path, manifest: dict) -> None:
        blob = path / "adapter_model.safetensors"
        blob.write_bytes(blob.read_bytes()[:100])  # the weights half written
        raise Killed

    monkeypatch.setattr(_final, "write_manifest", write_manifest)
    return []


CRASHES = {
    "while the trainer writes a checkpoint": _crash_while_the_trainer_writes,
    "during the commit (staged, not renamed)": _crash_during_the_commit,
    "during rotation (old checkpoint half deleted)": _crash_during_rotation,
    "after the last checkpoint, before the final save": _crash_after_the_last_checkpoint,
    "during the final save": _crash_during_the_final_save,
}


@pytest.mark.parametrize("moment", list(CRASHES))
def test_a_crash_at_each_moment_then_resume_equals_the_uninterrupted_run(
    moment: str, reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref, corpus = reference
    out = tmp_path / "run"
    cfg = recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, out, save_total_limit=2))
    callbacks = CRASHES[moment](monkeypatch)
    with pytest.raises(Killed):
        Pipeline(cfg, callbacks=callbacks).run()
    monkeypatch.undo()
    assert not (out / "0-pretrain" / "llmsec.json").exists(), "the stage did not finish"
    assert all(verify_checkpoint(p) is None for p in (scratch(out) / "checkpoints").iterdir())

    (checkpoint,) = Pipeline(cfg, resume=True).run()
    assert_same_as_reference(ref, out, checkpoint)
    assert not [p for p in scratch(out).iterdir() if p.name.startswith((".", "checkpoint-"))], "nothing left over"


_SIGKILL_AT_TRAIN_END = """
import os, signal, sys
from transformers import TrainerCallback
from llmsec.config import load_recipe
from llmsec.train import Pipeline

class Kill(TrainerCallback):
    def on_train_end(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

Pipeline(load_recipe(sys.argv[1]), callbacks=[Kill()]).run()
"""


def test_sigkill_after_the_last_checkpoint_then_resume_stops_at_max_steps(
    reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path
) -> None:
    """A real SIGKILL at the moment that used to train one step past ``max_steps`` on resume."""
    ref, corpus = reference
    out = tmp_path / "killed"
    recipe_file = tmp_path / "recipe.yaml"
    recipe_file.write_text(yaml.safe_dump(raw_recipe(tiny_llama_dir, corpus, out, save_total_limit=2)))
    killed = subprocess.run([sys.executable, "-c", _SIGKILL_AT_TRAIN_END, str(recipe_file)],
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert _committed_steps(scratch(out)) == [STEPS - 1, STEPS]
    assert not (out / "0-pretrain" / "llmsec.json").exists()

    from llmsec.cli import app

    result = CliRunner().invoke(app, ["train", str(recipe_file), "--resume"])
    assert result.exit_code == 0, result.output
    assert_same_as_reference(ref, out, read_checkpoint(out / "0-pretrain"))


def _first_entry(marker: dict) -> dict:
    return next(iter(marker["files"].values()))


def _rename_size(m: dict) -> dict:
    entry = _first_entry(m)
    entry["sizu"] = entry.pop("size")
    return m


def _drop(key: str) -> object:
    def damage(m: dict) -> dict:
        m.pop(key)
        return m

    return damage


def _set(key: str, value: object) -> object:
    def damage(m: dict) -> dict:
        m[key] = value
        return m

    return damage


def _set_entry(key: str, value: object) -> object:
    def damage(m: dict) -> dict:
        _first_entry(m)[key] = value
        return m

    return damage


def _entry_a_number(m: dict) -> dict:
    m["files"][next(iter(m["files"]))] = 7
    return m


def _name_out_of_the_folder(m: dict) -> dict:
    m["files"]["../../escape.bin"] = _first_entry(m)
    return m


# One flipped bit or a careless edit: valid JSON, wrong shape. Each must mean "unusable, fall back".
DAMAGED_MARKERS = {
    "size renamed sizu": _rename_size,
    "files a list": lambda m: _set("files", list(m["files"]))(m),
    "files a number": _set("files", 3),
    "files empty": _set("files", {}),
    "files missing": _drop("files"),
    "an entry a number": _entry_a_number,
    "sha256 missing": lambda m: (_first_entry(m).pop("sha256"), m)[1],
    "size a string": _set_entry("size", "128"),
    "size negative": _set_entry("size", -1),
    "size a bool": _set_entry("size", True),
    "sha256 not hex": _set_entry("sha256", "xyz"),
    "step missing": _drop("step"),
    "step a string": _set("step", "24"),
    "a name outside the folder": _name_out_of_the_folder,
    "marker a list": lambda m: [m],
    "marker null": lambda m: None,
    "marker a number": lambda m: 24,
}


@pytest.mark.parametrize("damage", list(DAMAGED_MARKERS))
def test_a_damaged_marker_of_any_shape_means_unusable_and_falls_back(
    damage: str, reference: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from llmsec.train._resume import resolve_resume

    ref, _ = reference
    scr = tmp_path / "_trainer"
    for step in (STEPS - 1, STEPS):
        name = f"checkpoint-{step}"
        shutil.copytree(scratch(ref) / "checkpoints" / name, scr / "checkpoints" / name)
    last = scr / "checkpoints" / f"checkpoint-{STEPS}"
    marker = last / "llmsec-checkpoint.json"
    marker.write_text(json.dumps(DAMAGED_MARKERS[damage](json.loads(marker.read_text()))))

    problem = verify_checkpoint(last)
    assert isinstance(problem, str) and "llmsec-checkpoint.json" in problem
    with caplog.at_level(logging.WARNING, logger="llmsec"):
        assert latest_good(scr) == scr / "checkpoints" / f"checkpoint-{STEPS - 1}"
    assert "unusable" in caplog.text
    with pytest.raises(CheckpointError, match="not a usable checkpoint"):
        resolve_resume(scr, last, {})


def test_llmsec_train_resume_falls_back_past_a_damaged_marker(
    reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path
) -> None:
    """The issue's case end to end: ``"size"`` -> ``"sizu"`` used to stop ``--resume`` with ``error: 'size'``."""
    ref, corpus = reference
    out = tmp_path / "run"
    shutil.copytree(ref, out)
    (out / "0-pretrain" / "llmsec.json").unlink()
    for step in range(STEPS - 5, STEPS + 1):
        shutil.rmtree(scratch(out) / "checkpoints" / f"checkpoint-{step}")
    marker = scratch(out) / "checkpoints" / f"checkpoint-{STEPS - 6}" / "llmsec-checkpoint.json"
    marker.write_text(marker.read_text().replace('"size"', '"sizu"', 1))
    recipe_file = tmp_path / "r.yaml"
    recipe_file.write_text(yaml.safe_dump(raw_recipe(tiny_llama_dir, corpus, out)))

    from llmsec.cli import app

    result = CliRunner().invoke(app, ["train", str(recipe_file), "--resume"])
    assert result.exit_code == 0, result.output
    assert_same_as_reference(ref, out, read_checkpoint(out / "0-pretrain"))


# The final manifest's file table, damaged the same ways: the finished stage is unusable and is redone.
DAMAGED_FILE_TABLES = {k: DAMAGED_MARKERS[k] for k in (
    "size renamed sizu", "files a list", "files a number", "files empty", "files missing", "an entry a number",
    "sha256 missing", "size a string", "a name outside the folder",
)} | {
    "stage missing": _drop("stage"),
    "manifest a list": lambda m: [m],
}


@pytest.mark.parametrize("damage", list(DAMAGED_FILE_TABLES))
def test_a_damaged_final_manifest_means_the_stage_is_redone(
    damage: str, reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path,
    caplog: pytest.LogCaptureFixture
) -> None:
    ref, corpus = reference
    out = tmp_path / "run"
    shutil.copytree(ref, out)
    manifest = out / "0-pretrain" / "llmsec.json"
    manifest.write_text(json.dumps(DAMAGED_FILE_TABLES[damage](json.loads(manifest.read_text()))))
    cfg = recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, out))
    with caplog.at_level(logging.WARNING, logger="llmsec"):
        (checkpoint,) = Pipeline(cfg, resume=True).run()
    assert "is damaged" in caplog.text and "training it again" in caplog.text
    assert_same_as_reference(ref, out, checkpoint)


def test_a_file_the_marker_does_not_list_is_never_loaded(
    reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ref, corpus = reference
    out = tmp_path / "run"
    shutil.copytree(ref, out)
    (out / "0-pretrain" / "llmsec.json").unlink()
    for step in range(STEPS - 5, STEPS + 1):
        shutil.rmtree(scratch(out) / "checkpoints" / f"checkpoint-{step}")
    last = scratch(out) / "checkpoints" / f"checkpoint-{STEPS - 6}"
    # planted: weights the trainer would load instead of the adapter (keys as in the PEFT model's state dict)
    planted = {k.replace(".weight", ".default.weight"): torch.full_like(v, 7.0)
               for k, v in load_file(str(last / "adapter_model.safetensors")).items()}
    torch.save(planted, last / "pytorch_model.bin")
    (last / "sub").mkdir()
    (last / "sub" / "adapter_model.safetensors").write_bytes(b"planted too")
    assert verify_checkpoint(last) is None, "the listed files are intact, so the checkpoint stays usable"

    cfg = recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, out))
    with caplog.at_level(logging.WARNING, logger="llmsec"):
        (checkpoint,) = Pipeline(cfg, resume=True).run()
    assert "pytorch_model.bin" in caplog.text and "not listed" in caplog.text
    assert_same_as_reference(ref, out, checkpoint)
    assert (last / "pytorch_model.bin").exists() or not last.exists(), "ignored, not deleted"


def test_a_bit_flipped_finished_adapter_of_the_right_size_is_not_reused(
    reference: tuple[Path, Path], tiny_llama_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ref, corpus = reference
    out = tmp_path / "run"
    shutil.copytree(ref, out)
    blob = out / "0-pretrain" / "adapter_model.safetensors"
    data = bytearray(blob.read_bytes())
    data[-5] ^= 0x01  # one bit of one weight: same size, still a valid safetensors file
    blob.write_bytes(bytes(data))
    cfg = recipe_from_dict(raw_recipe(tiny_llama_dir, corpus, out))
    with caplog.at_level(logging.WARNING, logger="llmsec"):
        (checkpoint,) = Pipeline(cfg, resume=True).run()
    assert "adapter_model.safetensors does not match its SHA-256" in caplog.text
    assert "training it again" in caplog.text
    assert_same_as_reference(ref, out, checkpoint)


def test_resume_at_the_last_checkpoint_keeps_the_weights_with_a_constant_learning_rate(
    tiny_llama_dir: Path, tmp_path: Path
) -> None:
    """With a constant learning rate the step past ``max_steps`` changed the weights too (the issue saw 1e-2)."""
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    steps = 7

    def run(out: Path, **kwargs: object) -> object:
        raw = raw_recipe(tiny_llama_dir, corpus, out, steps=steps, lr_scheduler_type="constant")
        return Pipeline(recipe_from_dict(raw), **kwargs).run()[0]

    ref = run(tmp_path / "ref")
    blocks = ref.manifest["data"]["train_blocks"]
    assert steps % -(-blocks // 2), "max_steps is not a whole number of epochs (where the extra step came from)"
    with pytest.raises(Killed):
        run(tmp_path / "run", callbacks=_crash_after_the_last_checkpoint(None))
    resumed = run(tmp_path / "run", resume=True)
    assert resumed.metrics["train_steps"] == steps
    assert_same_weights(load_file(str(ref.path / "adapter_model.safetensors")),
                         load_file(str(resumed.path / "adapter_model.safetensors")))
    assert resumed.metrics["train_loss"] == pytest.approx(ref.metrics["train_loss"], abs=1e-3)


def test_a_damaged_sample_ledger_line_is_skipped(tmp_path: Path) -> None:
    """Valid JSON of the wrong shape in ``samples.jsonl`` is a damaged line, like one cut short by a crash."""
    from llmsec.train._resume import sample_ledger

    good = [{"step": 1, "ids": ["a"]}, {"step": 2, "ids": ["b"]}, {"step": 3, "ids": ["c"]}]
    lines = [json.dumps(good[0]), "[1, 2]", '{"stap": 2}', '{"step": "2", "ids": []}', "7", json.dumps(good[1]),
             '{"step": 3, "ids": 5}', json.dumps(good[2]), '{"step": 4, "id']
    (tmp_path / "samples.jsonl").write_text("\n".join(lines) + "\n")
    assert read_ledger(tmp_path) == good
    sample_ledger(tmp_path, resume_step=2)  # a resume at step 2 keeps steps 1 and 2
    assert read_ledger(tmp_path) == good[:2]


STAGE_KINDS = {
    "pretrain, full weights": {"kind": "pretrain", "max_length": 16, "adapter": {"method": "full"},
                               "data": {"train": "corpus.jsonl"}},
    "instruct, LoRA": {"kind": "instruct", "max_length": 64, "data": {"train": "chat.jsonl"}},
    "transfer, LoRA + head": {"kind": "transfer", "max_length": 48, "task": "vuln-detect",
                              "data": {"train": "code.jsonl"}},
}


@pytest.mark.parametrize("kind", list(STAGE_KINDS))
def test_every_stage_kind_resumes_at_its_last_checkpoint_without_another_step(
    kind: str, tiny_llama_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    steps = 5

    def run(out: Path, **kwargs: object) -> object:
        stage = json.loads(json.dumps(STAGE_KINDS[kind]))
        stage["data"]["train"] = str(data_dir / stage["data"]["train"])
        stage["trainer"] = {"max_steps": steps, "per_device_train_batch_size": 2, "learning_rate": 1e-2,
                            "lr_scheduler_type": "constant", "save_strategy": "steps", "save_steps": 1}
        raw = {"model": {"name": str(tiny_llama_dir)}, "output_dir": str(out), "seed": 3, "stages": [stage]}
        return Pipeline(recipe_from_dict(raw), **kwargs).run()[0]

    ref = run(tmp_path / "ref")
    with pytest.raises(Killed):
        run(tmp_path / "run", callbacks=_crash_after_the_last_checkpoint(None))
    resumed = run(tmp_path / "run", resume=True)
    assert resumed.metrics["train_steps"] == steps
    weights = sorted(p.name for p in ref.path.glob("*.safetensors"))
    assert weights == sorted(p.name for p in resumed.path.glob("*.safetensors")) and weights
    for name in weights:
        assert_same_weights(load_file(str(ref.path / name)), load_file(str(resumed.path / name)))


def test_load_best_model_at_end_survives_rotation_and_resume(
    tiny_llama_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    """The best checkpoint is kept by rotation, and a resumed run (from it, or past it) ends on it too."""
    corpus = write_corpus(tmp_path / "corpus.jsonl")

    def run(out: Path, **kwargs: object) -> object:
        raw = raw_recipe(tiny_llama_dir, corpus, out, steps=12, learning_rate=0.05, lr_scheduler_type="constant",
                         eval_strategy="steps", eval_steps=1, load_best_model_at_end=True, save_total_limit=2)
        raw["stages"][0]["data"]["eval"] = str(data_dir / "corpus.jsonl")
        return Pipeline(recipe_from_dict(raw), **kwargs).run()[0]

    ref = run(tmp_path / "ref")
    evals = [h["eval_loss"] for h in ref.manifest["log_history"] if "eval_loss" in h][:12]
    best_step = evals.index(min(evals)) + 1
    assert best_step < 12, "the test needs a best checkpoint before the last one"
    ck = ref.path / "_trainer" / "checkpoints"
    assert sorted(p.name for p in ck.iterdir()) == sorted({f"checkpoint-{best_step}", "checkpoint-11", "checkpoint-12"})
    best = load_file(str(ck / f"checkpoint-{best_step}" / "adapter_model.safetensors"))
    assert_same_weights(load_file(str(ref.path / "adapter_model.safetensors")), best)

    from transformers import TrainerCallback

    class KillAfterBest(TrainerCallback):
        def on_step_end(self, args: object, state: object, control: object, **kwargs: object) -> None:
            if state.global_step == best_step + 1:
                raise Killed  # checkpoint-<best> is committed, nothing after it

    for name, callbacks in (("after-best", [KillAfterBest()]), ("at-end", _crash_after_the_last_checkpoint(None))):
        with pytest.raises(Killed):
            run(tmp_path / name, callbacks=callbacks)
        resumed = run(tmp_path / name, resume=True)
        assert resumed.metrics["train_steps"] == 12
        assert_same_weights(load_file(str(resumed.path / "adapter_model.safetensors")), best)


def test_an_oversized_or_binary_marker_is_damaged_not_read_whole(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmsec.train import _resume

    ref, _ = reference
    last = tmp_path / f"checkpoint-{STEPS}"
    shutil.copytree(scratch(ref) / "checkpoints" / last.name, last)
    marker = last / "llmsec-checkpoint.json"
    monkeypatch.setattr(_resume, "MAX_MARKER_BYTES", marker.stat().st_size - 1)
    assert verify_checkpoint(last).startswith("damaged llmsec-checkpoint.json (")
    assert "more than any marker llmsec writes" in verify_checkpoint(last)
    monkeypatch.undo()
    assert verify_checkpoint(last) is None
    marker.write_bytes(b"\xff\xfe" + marker.read_bytes())
    assert "not UTF-8" in verify_checkpoint(last)
