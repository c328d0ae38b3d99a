"""The recipe reference: generated from the models, complete, and the same as docs/recipes.md."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from llmsec.config import Recipe, load_recipe, recipe_reference, stage_specs
from llmsec.config import _schema as schema
from llmsec.config._reference import recipe_sections

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "recipes.md"
TOOL = REPO / "tools" / "gen_recipe_docs.py"

MODELS = [s.model for s in recipe_sections()]


def load_tool():
    spec = importlib.util.spec_from_file_location("gen_recipe_docs", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sections(text: str) -> dict[str, str]:
    """The reference's ``### Name`` sections by model name."""
    parts = re.split(r"^### (\w+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def row(section: str, key: str) -> list[str]:
    """The cells of the table row for ``key``: key, type, default, description."""
    lines = [ln for ln in section.splitlines() if ln.startswith(f"| `{key}` |")]
    assert len(lines) == 1, f"expected one row for {key!r}, got {lines}"
    return [c.strip() for c in re.split(r"(?<!\\)\|", lines[0])[1:-1]]


def test_sections_cover_every_recipe_model() -> None:
    defined = {
        obj for obj in vars(schema).values()
        if isinstance(obj, type) and issubclass(obj, schema._Strict) and not obj.__name__.startswith("_")
        and obj is not schema.StageBase  # the base of the stage kinds, never a section of its own
    } | {spec.config for spec in stage_specs()}  # a stage kind's config may live in a module of its own
    assert set(MODELS) == defined
    assert MODELS[0] is Recipe
    assert len(MODELS) == len(set(MODELS)) == len(defined)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_has_a_description(model: type[BaseModel]) -> None:
    missing = [name for name, field in model.model_fields.items() if not (field.description or "").strip()]
    assert missing == [], f"{model.__name__}: give these fields a description= in _schema.py: {missing}"


def test_reference_has_a_row_for_every_field_and_no_other() -> None:
    by_name = sections(recipe_reference())
    assert list(by_name) == [m.__name__ for m in MODELS]
    for model in MODELS:
        keys = re.findall(r"^\| `(\w+)` \|", by_name[model.__name__], flags=re.MULTILINE)
        assert sorted(keys) == sorted(model.model_fields), model.__name__
        for name, field in model.model_fields.items():
            assert row(by_name[model.__name__], name)[3] == field.description.replace("|", "\\|")


def test_types_defaults_and_places_are_readable() -> None:
    by_name = sections(recipe_reference())
    adapter, quant, pretrain = by_name["AdapterConfig"], by_name["QuantizationConfig"], by_name["PretrainStage"]
    assert row(adapter, "r")[1:3] == ["`int ≥ 1`", "`8`"]
    assert row(adapter, "dropout")[1:3] == ["`0 ≤ float < 1`", "`0.05`"]
    assert row(adapter, "target_modules")[1:3] == ['`list[str] \\| "all-linear"`', '`"all-linear"`']
    assert row(adapter, "top_layers")[1:3] == ["`int ≥ 1 \\| null`", "`null`"]
    assert row(adapter, "quantization")[1] == "[QuantizationConfig](#quantizationconfig) \\| `null`"
    assert row(quant, "quant_type")[1:3] == ['`"nf4" \\| "fp4"`', '`"nf4"`']
    assert row(quant, "bits")[1] == "`4 \\| 8`"
    assert row(by_name["TransferStage"], "class_weights")[1] == '`"balanced" \\| "none" \\| list[float]`'
    assert row(by_name["Recipe"], "output_dir")[1:3] == ["`path`", '`"runs/llmsec-run"`']
    assert row(by_name["Recipe"], "model")[2] == "required"
    assert row(by_name["Recipe"], "checkpointing")[2] == "`{}`"
    kinds = [spec.config.__name__ for spec in stage_specs()]  # every registered kind, in registration order
    assert kinds[:3] == ["PretrainStage", "InstructStage", "TransferStage"]
    assert row(by_name["Recipe"], "stages")[1] == (
        "list of " + " \\| ".join(f"[{name}](#{name.lower()})" for name in kinds) + ", at least 1"
    )
    assert row(by_name["DataConfig"], "options")[1:3] == ["`mapping`", "`{}`"]
    # kind picks the stage: first row, and required although the model has a default
    assert row(pretrain, "kind")[1:3] == ['`"pretrain"`', "required"]
    assert next(ln for ln in pretrain.splitlines() if ln.startswith("| `")).startswith("| `kind` |")
    assert "Where: an item of `stages[]` with `kind: pretrain`." in pretrain
    assert "Where: `stages[].vocab`, in stages with `kind: pretrain` only." in by_name["VocabConfig"]
    assert "Where: `stages[].adapter.quantization`." in quant
    assert "``" not in recipe_reference()  # reST literals became Markdown code


def test_reference_is_deterministic() -> None:
    assert recipe_reference() == recipe_reference()
    assert recipe_reference().endswith("\n")


def test_docs_generated_block_is_current() -> None:
    tool = load_tool()
    _, body, _ = tool.split(DOC.read_text(encoding="utf-8"))
    assert body == f"\n\n{recipe_reference()}\n", (
        "docs/recipes.md's recipe reference is stale: run .venv/bin/python tools/gen_recipe_docs.py"
    )


def test_docs_minimal_example_is_a_valid_recipe(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"## A minimal recipe\n\n```yaml\n(.*?)```", text, flags=re.DOTALL)
    assert example is not None, "docs/recipes.md lost its minimal example"
    path = tmp_path / "minimal.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    recipe = load_recipe(path)
    assert [s.label for s in recipe.stages] == ["pretrain", "vuln-detect"]
    assert recipe.stages[0].trainer == {"max_steps": 20, "learning_rate": 5.0e-4}
    assert recipe.stages[1].adapter.r == 16
    from llmsec.train import preflight

    assert preflight(recipe, check_model=False) == []


def test_docs_override_examples_apply(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"## A minimal recipe\n\n```yaml\n(.*?)```", text, flags=re.DOTALL)
    assert example is not None
    path = tmp_path / "minimal.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    sets = re.findall(r"`(stages\.[\w.-]+=[^`]+)`", text)
    assert len(sets) >= 4
    recipe = load_recipe(path, sets)
    assert recipe.stages[0].trainer["max_steps"] == 5
    assert recipe.stages[-1].max_length == 128
    assert recipe.stages[1].adapter.r == 32
    assert recipe.stages[0].data.max_samples == 100


def test_tool_rewrites_only_the_generated_part(tmp_path: Path) -> None:
    tool = load_tool()
    doc = tmp_path / "recipes.md"
    doc.write_text(f"# Intro\n\ntext\n\n{tool.BEGIN}\nSTALE-PLACEHOLDER\n{tool.END}\n\nafter\n", encoding="utf-8")
    assert tool.main(["--check", "--doc", str(doc)]) == 1
    assert tool.main(["--doc", str(doc)]) == 0
    new = doc.read_text(encoding="utf-8")
    assert new.startswith("# Intro\n\ntext\n\n") and new.endswith(f"{tool.END}\n\nafter\n")
    assert "STALE-PLACEHOLDER" not in new and recipe_reference() in new
    assert tool.main(["--check", "--doc", str(doc)]) == 0
    with pytest.raises(ValueError, match="BEGIN GENERATED"):
        tool.split("no markers here")


def test_json_schema_carries_the_descriptions() -> None:
    props = Recipe.model_json_schema()["$defs"]["PretrainStage"]["properties"]
    assert props["fused_lm_head"]["description"] == schema.PretrainStage.model_fields["fused_lm_head"].description
    assert "TrainingArguments" in props["trainer"]["description"]
