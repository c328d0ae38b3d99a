"""llmsec.checkpoints: one home for checkpoints and the base spec, light, with the old paths still working."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import llmsec.checkpoints as ckpts
from llmsec.config import ModelConfig

SRC = Path(__file__).resolve().parents[2] / "src" / "llmsec"


def test_as_model_config_is_defined_once() -> None:
    defs = [f"{path.relative_to(SRC)}:{node.lineno}"
            for path in sorted(SRC.rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef) and node.name in ("as_model_config", "_model_config")]
    assert defs == ["checkpoints/_base.py:" + defs[0].rpartition(":")[2]], defs


def test_as_model_config_takes_every_base(tmp_path: Path) -> None:
    ckpts.write_manifest(tmp_path, {"stage": {"kind": "pretrain"}, "base": "tiny"})
    checkpoint = ckpts.read_checkpoint(tmp_path)
    cfg = ModelConfig(name="x", dtype="bfloat16")
    assert ckpts.as_model_config(cfg) is cfg
    assert ckpts.as_model_config("some/model").name == "some/model"
    assert ckpts.as_model_config(tmp_path).name == str(tmp_path)
    assert ckpts.as_model_config(checkpoint).name == str(tmp_path)
    templated = ckpts.as_model_config(checkpoint, ModelConfig(name="t", dtype="bfloat16", gguf_file="t.gguf"))
    assert (templated.name, templated.dtype, templated.gguf_file) == (str(tmp_path), "bfloat16", None)
    assert ckpts.parent_of(checkpoint) == str(tmp_path) and ckpts.parent_of("some/model") is None


def test_public_names_and_old_paths_are_the_same_objects() -> None:
    import llmsec.train
    from llmsec.checkpoints import _filetable, _intermediate
    from llmsec.models import _load
    from llmsec.train import _checkpoint, _common, _resume
    from llmsec.train import _filetable as old_filetable

    assert llmsec.Checkpoint is ckpts.Checkpoint is llmsec.train.Checkpoint is _checkpoint.Checkpoint
    assert llmsec.train.read_checkpoint is ckpts.read_checkpoint
    assert _resume is _intermediate and old_filetable is _filetable  # patching the old name patches the code
    assert _common.as_model_config is _load.as_model_config is ckpts.as_model_config
    assert _common.stage_output_dir is ckpts.stage_output_dir


def test_reading_checkpoints_is_light() -> None:
    code = ("import sys, llmsec.checkpoints; "
            "print(','.join(m for m in ('torch', 'transformers', 'peft', 'trl', 'llmsec.train', 'llmsec.models') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
