"""Pipeline: preflight, chaining, resume checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmsec.config import recipe_from_dict
from llmsec.train import Pipeline, StageMismatchError, check_trainer_keys, preflight

FAST = {"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 1e-2}


def recipe(model: Path, data_dir: Path, out: Path, **stage_over: object) -> object:
    return recipe_from_dict({
        "model": {"name": str(model)},
        "output_dir": str(out),
        "stages": [
            {"kind": "pretrain", "max_length": 16, "data": {"train": str(data_dir / "corpus.jsonl")},
             "trainer": FAST, **stage_over},
            {"kind": "instruct", "max_length": 64, "data": {"train": str(data_dir / "chat.jsonl")}, "trainer": FAST},
            {"kind": "transfer", "max_length": 48, "task": "vuln-detect",
             "data": {"train": str(data_dir / "code.jsonl")}, "trainer": FAST},
        ],
    })


def test_pipeline_chains_and_resumes(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    cfg = recipe(tiny_llama_dir, data_dir, tmp_path / "run")
    ckpts = Pipeline(cfg).run()
    assert [c.kind for c in ckpts] == ["pretrain", "instruct", "transfer"]
    assert ckpts[1].parent == str(ckpts[0].path) and ckpts[2].parent == str(ckpts[1].path)
    assert (tmp_path / "run" / "recipe.yaml").read_text().count("versions") == 1

    again = Pipeline(cfg, resume=True).run()
    assert [c.manifest["created"] for c in again] == [c.manifest["created"] for c in ckpts]

    changed = recipe(tiny_llama_dir, data_dir, tmp_path / "run", max_length=32)
    with pytest.raises(StageMismatchError, match="max_length: checkpoint has 16, recipe has 32"):
        Pipeline(changed, resume=True).run()


def test_preflight_reports_everything(tmp_path: Path) -> None:
    cfg = recipe_from_dict({
        "model": {"name": str(tmp_path / "no-such-model")},
        "stages": [
            {"kind": "pretrain", "data": {"train": str(tmp_path / "missing.jsonl")},
             "trainer": {"learning_rat": 1e-4, "output_dir": "x"}},
            {"kind": "transfer", "task": "vuln-detekt", "data": {"train": "builtin:nope"}},
            {"kind": "instruct", "data": {"train": "builtin:instructions", "format": "jsnl"}},
        ],
    })
    problems = "\n".join(preflight(cfg))
    assert "stages.0.trainer.learning_rat" in problems and "Did you mean 'learning_rate'" in problems
    assert "stages.0.trainer.output_dir: reserved" in problems
    assert "stages.0.data.train: file not found" in problems
    assert "stages.1.task" in problems and "Did you mean 'vuln-detect'" in problems
    assert "unknown built-in data 'builtin:nope'" in problems
    assert "stages.2.data.format" in problems and "'jsonl'" in problems
    assert "model.name" in problems
    with pytest.raises(ValueError, match="cannot run"):
        Pipeline(cfg).run()


def test_sft_keys_are_checked_against_sftconfig() -> None:
    assert check_trainer_keys({"packing": True, "learning_rate": 1e-4}, sft=True) == []
    assert check_trainer_keys({"packing": True}, sft=False)  # not a TrainingArguments field
