"""An adapter whose ``base_model_name_or_path`` leads back to itself is a clear error, not a recursion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmsec.models import ModelNotFoundError, resolve_model


def _adapter(path: Path, base: Path) -> Path:
    path.mkdir()
    (path / "adapter_config.json").write_text(json.dumps(
        {"base_model_name_or_path": str(base), "peft_type": "LORA", "task_type": "CAUSAL_LM"}), encoding="utf-8")
    return path


def test_an_adapter_that_is_its_own_base_is_refused(tmp_path: Path) -> None:
    a = _adapter(tmp_path / "a", tmp_path / "a")
    with pytest.raises(ModelNotFoundError, match=r"its own base .*a -> .*a\); set base_model_name_or_path"):
        resolve_model(a)


def test_a_two_adapter_cycle_is_refused(tmp_path: Path) -> None:
    _adapter(tmp_path / "a", tmp_path / "b")
    b = _adapter(tmp_path / "b", tmp_path / "a")
    with pytest.raises(ModelNotFoundError, match=r"b -> .*a -> .*b\)"):
        resolve_model(b)
