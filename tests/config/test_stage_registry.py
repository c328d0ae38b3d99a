"""Stage kinds are declared once (``llmsec.config.STAGES``) and everything reads that declaration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Literal, get_args

import pytest
from pydantic import Field

import llmsec
from llmsec.config import STAGES, Recipe, StageBase, StageSpec, stage_spec, stage_specs


@pytest.mark.parametrize("kind", STAGES.names())
def test_declaration_matches_config_and_trainer(kind: str) -> None:
    spec = stage_spec(kind)
    assert spec.config.model_fields["kind"].default == kind
    trainer = spec.load_trainer()
    assert trainer.__name__ == spec.trainer_name and trainer.__module__ == spec.trainer_module
    assert trainer.kind == kind
    assert getattr(llmsec, spec.trainer_name) is trainer  # the lazy public name comes from the declaration
    assert spec.trainer_name in llmsec.__all__


def test_schema_union_is_the_registry() -> None:
    (item,) = get_args(Recipe.model_fields["stages"].annotation)
    union, _field = get_args(item)
    assert list(get_args(union)) == [spec.config for spec in stage_specs()]
    assert stage_specs()[0].kind == "pretrain"  # registration order is the schema's (and the docs') order


def test_built_in_kinds() -> None:
    assert set(STAGES.names()) >= {"instruct", "pretrain", "transfer"}  # a set: other kinds sort between them
    assert stage_spec("instruct").sft and not stage_spec("pretrain").sft
    with pytest.raises(KeyError, match="Did you mean 'transfer'"):
        stage_spec("transfr")


def test_fast_path_reads_the_declaration() -> None:
    from llmsec.train._fastpath import fast_path_settings

    for spec in stage_specs():
        settings = fast_path_settings(spec.kind, cuda=True)
        assert {k: settings[k] for k in spec.fast_path} == dict(spec.fast_path)
    assert fast_path_settings("instruct", cuda=True)["packing"] is True
    assert "packing" not in fast_path_settings("transfer", cuda=True)


def test_a_declaration_needs_a_matching_kind_field() -> None:
    class Nameless(StageBase):
        kind: Literal["other"] = Field("other")

    with pytest.raises(ValueError, match=r'kind: Literal\["mine"\]'):
        StageSpec("mine", Nameless, "pkg.mod:Trainer")
    with pytest.raises(ValueError, match=r"not 'package\.module:Class'"):
        StageSpec("other", Nameless, "pkg.mod.Trainer")
    with pytest.raises(ValueError, match="already registered"):
        STAGES.add("pretrain", stage_spec("pretrain"))


def test_reading_the_declarations_imports_no_trainer() -> None:
    code = ("import sys, llmsec; from llmsec.config import STAGES; names = llmsec.__all__; "
            "print(','.join(m for m in sys.modules if m.startswith(('llmsec.train', 'torch')))), ")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_what_a_stage_ends_in_is_declared_and_read(tmp_path: Path) -> None:
    """Classifier or language model comes from ``StageSpec.head``, never from the kind's name."""
    import json

    from llmsec.checkpoints import read_checkpoint
    from llmsec.config import register_stage, unregister_stage
    from llmsec.eval._card import card_data
    from llmsec.eval._lineage import training_sources

    assert {spec.kind: spec.head for spec in stage_specs()}["transfer"] == "classifier"
    assert all(spec.head == "causal-lm" for spec in stage_specs() if spec.kind != "transfer")
    with pytest.raises(ValueError, match="head 'regressor'"):
        StageSpec("pretrain", stage_spec("pretrain").config, "pkg.mod:T", head="regressor")  # type: ignore[arg-type]

    class Labeller(StageBase):
        kind: Literal["toy-labeller"] = Field("toy-labeller")

    manifest = {"stage": {"kind": "toy-labeller", "data": {}}, "base": "base", "adapter": "lora",
                "data": {"train": {"source": "x.jsonl"}}}
    (tmp_path / "llmsec.json").write_text(json.dumps(manifest))
    register_stage(StageSpec("toy-labeller", Labeller, "pkg.mod:Labeller", head="classifier"))
    try:
        ckpt = read_checkpoint(tmp_path)
        assert ckpt.head == "classifier"  # a plugin kind with no "transfer" in sight
        assert card_data(ckpt, []).pipeline_tag == "text-classification"
        assert [s.head for s in training_sources(ckpt)] == ["classifier"]
    finally:
        unregister_stage("toy-labeller")
    assert read_checkpoint(tmp_path).head == "causal-lm"  # unregistered and no labels: a language model
