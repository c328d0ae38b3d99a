"""Packaging: the licence, the build backend floor, the extras, and a core path that needs none of them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from llmsec._optional import OPTIONAL, MissingExtraError, install_hint, require

tomllib = pytest.importorskip("tomllib")

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower()


def _extra_names(extra: str) -> set[str]:
    """The distributions an extra pulls in, following ``llmsec[...]`` references."""
    names = set()
    for req in PROJECT["optional-dependencies"][extra]:
        if req.startswith("llmsec["):
            for inner in req[len("llmsec["):-1].split(","):
                names |= _extra_names(inner)
        else:
            names.add(_name(req))
    return names


def test_licence_file_and_field() -> None:
    text = (REPO / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License\n") and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text.splitlines()) > 170  # the full text
    assert PROJECT["license"] == "Apache-2.0" and PROJECT["license-files"] == ["LICENSE"]


def test_build_backend_floor_supports_licence_expressions() -> None:
    (setuptools,) = [r for r in PYPROJECT["build-system"]["requires"] if _name(r) == "setuptools"]
    floor = re.search(r">=\s*(\d+)", setuptools)
    assert floor and int(floor.group(1)) >= 77, f"PEP 639 licence strings need setuptools>=77, got {setuptools!r}"


def test_optional_packages_are_extras_not_core() -> None:
    core = {_name(r) for r in PROJECT["dependencies"]}
    for module, opt in OPTIONAL.items():
        assert opt.distribution not in core, f"{opt.distribution} is optional ({module}) but a core dependency"
        assert opt.distribution in _extra_names(opt.extra), f"extra [{opt.extra}] does not install {opt.distribution}"
    # CI installs .[dev]: every extra but gpu (liger-kernel needs a CUDA GPU)
    dev = _extra_names("dev")
    for extra in PROJECT["optional-dependencies"]:
        if extra not in ("dev", "gpu"):
            assert _extra_names(extra) <= dev, f"[dev] misses [{extra}]"


def test_floors_match_what_ci_tests() -> None:
    """trl and peft floors are the versions make test-min pins (the oldest CI runs)."""
    spec = re.search(r"^MIN_SPEC\s*\?=\s*(.+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert spec is not None
    pins = dict(p.split("==") for p in spec.group(1).split())
    floors = {_name(r): r for r in PROJECT["dependencies"]}
    for dist in ("transformers", "trl", "peft"):
        floor = re.search(r">=\s*([\d.]+)", floors[dist]).group(1)  # type: ignore[union-attr]
        assert pins[dist].startswith(floor) or pins[dist] == floor, (dist, floors[dist], pins[dist])


def test_require_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "captum", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=re.escape("pip install 'llmsec[explain]'")):
        require("captum", "the 'ig' explanation")
    assert install_hint("tensorboard") == "pip install 'llmsec[tracking]' (or: pip install tensorboard)"
    assert require("gguf", "reading a GGUF model").__name__ == "gguf"  # an installed one imports


BLOCK = ", ".join(repr(m) for m in (*OPTIONAL, "tensorboardX", "mlflow", "wandb"))
CORE = f"""
import sys
for name in ({BLOCK},):
    sys.modules[name] = None  # not installed: importing it raises ImportError
sys.path.insert(0, {str(REPO / 'tests')!r})
import tempfile
from pathlib import Path
import llmsec, llmsec.train, llmsec.models, llmsec.data, llmsec.eval, llmsec.explain
from llmsec.cli import main
from llmsec.config import ModelConfig, QuantizationConfig
from llmsec.models import load_model, load_tokenizer
from llmsec.train._args import build_training_args
from llmsec.models._gguf import convert_gguf
from tiny import make_tiny_llama

tmp = Path(tempfile.mkdtemp())
model_dir = make_tiny_llama(tmp / "m")
model = load_model(str(model_dir))
tok = load_tokenizer(str(model_dir))
args = build_training_args({{}}, output_dir=tmp / "o", seed=1, sft=True)
errors = []
for call in (lambda: load_model(str(model_dir), quantization=QuantizationConfig(bits=4)),
             lambda: build_training_args({{"report_to": "tensorboard"}}, output_dir=tmp / "o", seed=1),
             lambda: build_training_args({{"report_to": ["mlflow"]}}, output_dir=tmp / "o", seed=1),
             lambda: convert_gguf(tmp / "model.gguf", tmp / "converted")):
    try:
        call()
    except (ImportError, ValueError) as exc:
        errors.append(str(exc))
import json
print("ERRORS", json.dumps(errors))
"""


def test_core_path_runs_without_optional_packages(tmp_path: Path) -> None:
    """With every optional package missing: import everything, load a model, build trainer args; the
    optional calls raise errors that name the extra."""
    out = subprocess.run([sys.executable, "-c", CORE], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    errors = json.loads(out.stdout.split("ERRORS ", 1)[1].splitlines()[0])
    assert len(errors) == 4, errors
    assert "pip install 'llmsec[quant]'" in errors[0]
    assert "pip install 'llmsec[tracking]'" in errors[1]
    assert "pip install mlflow" in errors[2]
    assert "pip install 'llmsec[gguf]'" in errors[3]
