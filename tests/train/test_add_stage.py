"""A new stage through the contributor path alone: a config class, a trainer class, one ``register_stage``.

Nothing else is edited, and the new kind is accepted by the recipe schema, run by
``Pipeline``, shown by ``llmsec validate`` (and ``--schema``) and in the recipe reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
import yaml
from pydantic import Field
from typer.testing import CliRunner

from llmsec.checkpoints import BaseSpec, Checkpoint, as_model_config, now, read_checkpoint, write_manifest
from llmsec.config import (
    STAGES,
    RecipeError,
    StageBase,
    StageSpec,
    load_recipe,
    recipe_reference,
    register_stage,
    unregister_stage,
)
from llmsec.train import Pipeline, StageSettings
from llmsec.train._common import load_split


class WordCountStage(StageBase):
    """Count the words of the stage's data (a toy stage kind for this test)."""

    kind: Literal["word-count"] = Field("word-count", description="`word-count`: picks this stage type.")
    lowercase: bool = Field(True, description="Count case-insensitively.")


class WordCounter(StageSettings):
    """The toy stage's trainer: trivial work, an ordinary checkpoint."""

    kind = "word-count"
    config: WordCountStage

    def run(self, base: BaseSpec) -> Checkpoint:
        split = load_split(self.config, "train")
        assert split is not None
        records, _report = split
        words = {w.lower() if self.config.lowercase else w for r in records for w in r.text.split()}
        write_manifest(self.output_dir, {
            "format_version": 1, "created": now(), "stage": self.config.model_dump(mode="json"),
            "base": as_model_config(base).name, "parent": None, "metrics": {"distinct_words": len(words)},
        })
        return read_checkpoint(self.output_dir)


@pytest.fixture
def word_count() -> Iterator[StageSpec]:
    spec = register_stage(StageSpec("word-count", WordCountStage, WordCounter))
    yield spec
    unregister_stage("word-count")


def _recipe(path: Path, base: Path, data: Path, out: Path) -> Path:
    path.write_text(yaml.safe_dump({
        "name": "toy", "output_dir": str(out), "model": {"name": str(base)},
        "stages": [{"kind": "word-count", "lowercase": False, "data": {"train": str(data)}}],
    }))
    return path


def test_toy_stage_is_accepted_run_and_shown(word_count: StageSpec, tmp_path: Path, tiny_llama_dir: Path) -> None:
    data = tmp_path / "words.jsonl"
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in ("a b c", "A b d")))
    recipe_file = _recipe(tmp_path / "toy.yaml", tiny_llama_dir, data, tmp_path / "run")

    recipe = load_recipe(recipe_file)  # the schema accepts the new kind, with its own keys
    assert isinstance(recipe.stages[0], WordCountStage) and recipe.stages[0].lowercase is False

    (ckpt,) = Pipeline(recipe).run()  # dispatched on the kind, through the declaration
    assert ckpt.kind == "word-count" and ckpt.metrics == {"distinct_words": 5}
    assert ckpt.path == tmp_path / "run" / "0-word-count"

    from llmsec.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["validate", str(recipe_file), "--no-check-model"])
    assert out.exit_code == 0, out.output
    assert "1 stage(s): word-count" in out.output
    schema = runner.invoke(app, ["validate", "--schema"])
    assert schema.exit_code == 0 and '"word-count"' in schema.output and "WordCountStage" in schema.output
    assert "### WordCountStage" in recipe_reference()
    assert "an item of `stages[]` with `kind: word-count`" in recipe_reference()


def test_toy_stage_keys_are_checked(word_count: StageSpec, tmp_path: Path, tiny_llama_dir: Path) -> None:
    recipe_file = _recipe(tmp_path / "toy.yaml", tiny_llama_dir, tmp_path / "x.jsonl", tmp_path / "run")
    with pytest.raises(RecipeError) as err:
        load_recipe(recipe_file, ["stages.word-count.lowercas=true"])
    assert "unknown key 'lowercas'" in str(err.value) and "lowercase" in str(err.value)


def test_removed_stage_is_refused_again(tmp_path: Path, tiny_llama_dir: Path) -> None:
    recipe_file = _recipe(tmp_path / "toy.yaml", tiny_llama_dir, tmp_path / "x.jsonl", tmp_path / "run")
    assert "word-count" not in STAGES
    with pytest.raises(RecipeError, match="word-count"):
        load_recipe(recipe_file)
