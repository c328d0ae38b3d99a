"""The recipe schema: strict keys, clear errors, overrides, versions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from llmsec.config import Recipe, RecipeError, apply_override, dump_recipe, load_recipe, recipe_from_dict

MINIMAL = {
    "model": {"name": "smollm2-135m-instruct"},
    "stages": [
        {"kind": "pretrain", "data": {"train": "builtin:corpus"}},
        {"kind": "transfer", "data": {"train": "builtin:vuln-code"}, "task": "vuln-detect"},
    ],
}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_minimal_recipe_gets_defaults() -> None:
    recipe = recipe_from_dict(MINIMAL)
    assert recipe.stages[0].kind == "pretrain"
    assert recipe.stages[0].adapter.method == "lora"
    assert recipe.stages[1].label == "transfer"
    assert recipe.model.trust_remote_code is False


def test_unknown_key_names_it_and_lists_allowed(tmp_path: Path) -> None:
    bad = yaml.safe_load(yaml.safe_dump(MINIMAL))
    bad["stages"][0]["adapter"] = {"methd": "lora"}
    with pytest.raises(RecipeError) as err:
        load_recipe(write(tmp_path, bad))
    msg = str(err.value)
    assert "stages.0.adapter.methd" in msg
    assert "unknown key 'methd'" in msg
    assert "method" in msg and "target_modules" in msg


def test_every_error_reported_at_once(tmp_path: Path) -> None:
    bad = yaml.safe_load(yaml.safe_dump(MINIMAL))
    bad["seed"] = "abc"
    bad["stages"][1]["class_weights"] = "sometimes"
    bad["stages"][0]["max_length"] = 2
    with pytest.raises(RecipeError) as err:
        load_recipe(write(tmp_path, bad))
    msg = str(err.value)
    assert "seed" in msg and "class_weights" in msg and "max_length" in msg
    assert "'sometimes'" in msg


def test_unknown_stage_kind_lists_kinds() -> None:
    bad = {"model": {"name": "x"}, "stages": [{"kind": "distill", "data": {"train": "a"}}]}
    with pytest.raises(RecipeError) as err:
        recipe_from_dict(bad)
    assert "pretrain" in str(err.value) and "transfer" in str(err.value)


def test_qlora_implies_4bit_and_full_refuses_quantization() -> None:
    recipe = recipe_from_dict({**MINIMAL, "stages": [
        {"kind": "pretrain", "data": {"train": "x"}, "adapter": {"method": "qlora"}}]})
    q = recipe.stages[0].adapter.quantization
    assert q is not None and q.bits == 4 and q.quant_type == "nf4" and q.double_quant
    with pytest.raises(RecipeError, match="quantized weights cannot be trained in full"):
        recipe_from_dict({**MINIMAL, "stages": [
            {"kind": "pretrain", "data": {"train": "x"}, "adapter": {"method": "full", "quantization": {}}}]})


def test_duplicate_stage_names_rejected() -> None:
    with pytest.raises(RecipeError, match="unique"):
        recipe_from_dict({**MINIMAL, "stages": [MINIMAL["stages"][0], MINIMAL["stages"][0]]})


def test_overrides_by_index_name_and_kind(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    recipe = load_recipe(path, [
        "stages.0.trainer.max_steps=7",
        "stages.transfer.class_weights=none",
        "model.dtype=bfloat16",
        "output_dir=elsewhere",
    ])
    assert recipe.stages[0].trainer == {"max_steps": 7}
    assert recipe.stages[1].class_weights == "none"
    assert recipe.model.dtype == "bfloat16"
    assert recipe.output_dir == Path("elsewhere")


@pytest.mark.parametrize("item, match", [
    ("no-equals-sign", "key=value"),
    ("stages.9.max_length=3", "out of range"),
    ("stages.nosuch.max_length=3", "no stage named 'nosuch'"),
])
def test_bad_overrides(item: str, match: str) -> None:
    raw = yaml.safe_load(yaml.safe_dump(MINIMAL))
    with pytest.raises(RecipeError, match=match):
        apply_override(raw, item)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_recipe(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed")
    with pytest.raises(RecipeError, match="not valid YAML"):
        load_recipe(bad)
    bad.write_text("- a list\n")
    with pytest.raises(RecipeError, match="mapping"):
        load_recipe(bad)


def test_dump_round_trips_and_stamps_versions(tmp_path: Path) -> None:
    recipe = recipe_from_dict(MINIMAL)
    text = dump_recipe(recipe, tmp_path / "out.yaml")
    data = yaml.safe_load(text)
    assert "torch" in data.pop("versions")
    assert Recipe.model_validate(data) == recipe


def test_union_members_do_not_leak_into_error_paths() -> None:
    bad = yaml.safe_load(yaml.safe_dump(MINIMAL))
    bad["stages"][1]["class_weights"] = "sometimes"
    with pytest.raises(RecipeError) as err:
        recipe_from_dict(bad)
    assert "stages.1.class_weights:" in str(err.value)
    assert "literal[" not in str(err.value) and ".list" not in str(err.value)


def test_exponent_floats_are_floats_in_recipes_and_overrides(tmp_path) -> None:
    # YAML 1.1 reads 1e-4 as a string, which crashed the optimizer; recipes follow YAML 1.2.
    from llmsec.config import load_recipe

    path = tmp_path / "r.yaml"
    path.write_text("model: {name: m}\nstages:\n  - kind: pretrain\n    data: {train: x.jsonl}\n"
                    "    trainer: {learning_rate: 1e-4, weight_decay: 0.01, max_steps: 3}\n")
    recipe = load_recipe(path, ["stages.0.trainer.adam_epsilon=1E-8"])
    trainer = recipe.stages[0].trainer
    assert trainer["learning_rate"] == 1e-4 and trainer["adam_epsilon"] == 1e-8
    assert isinstance(trainer["max_steps"], int)
