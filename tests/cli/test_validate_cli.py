"""``llmsec validate``: a recipe, or with ``--schema`` the JSON schema for editors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from llmsec.cli import app
from llmsec.config import Recipe, stage_specs

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def test_schema_is_the_recipe_json_schema() -> None:
    result = runner.invoke(app, ["validate", "--schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema == json.loads(json.dumps(Recipe.model_json_schema()))
    assert {"model", "stages", "output_dir"} <= set(schema["properties"])
    assert schema["required"] == ["model", "stages"]
    stage_kinds = {ref["$ref"].rsplit("/", 1)[-1] for ref in schema["properties"]["stages"]["items"]["oneOf"]}
    assert all(schema["$defs"][k]["required"][0] == "kind" for k in stage_kinds)  # pydantic refuses a stage without it
    assert stage_kinds == {spec.config.__name__ for spec in stage_specs()}  # every registered kind
    assert stage_kinds >= {"PretrainStage", "InstructStage", "TransferStage"}
    assert schema["$defs"]["AdapterConfig"]["properties"]["r"]["description"] == "The LoRA rank (peft `r`)."


def test_schema_takes_no_recipe() -> None:
    result = runner.invoke(app, ["validate", "--schema", "recipe.yaml"])
    assert result.exit_code == 2
    assert "--schema takes no RECIPE" in result.output


def test_recipe_is_required_without_schema() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2
    assert "RECIPE" in result.output and "--schema" in result.output


def test_validate_a_recipe_still_works(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(REPO / "examples" / "recipes" / "pipeline.yaml"),
                                 "--no-check-model", "--set", "stages.domain.trainer.max_steps=3"])
    assert result.exit_code == 0, result.output
    assert "ok (3 stage(s): domain, instructions, vuln-detect)" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {name: x}\nstages: [{kind: pretrain, data: {train: a.txt}, adaptr: {}}]\n")
    result = runner.invoke(app, ["validate", str(bad), "--no-check-model"])
    assert result.exit_code == 2
    assert "unknown key 'adaptr'" in result.output
