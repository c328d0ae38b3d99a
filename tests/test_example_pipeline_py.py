"""``examples/pipeline.py`` builds the same recipe as ``examples/recipes/pipeline.yaml`` (as the README says)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

import pytest

import llmsec
from llmsec.config import Recipe, load_recipe

REPO = Path(__file__).resolve().parents[1]


class _Stop(Exception):
    pass


def test_pipeline_py_matches_pipeline_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Recipe] = []

    class CapturePipeline:
        def __init__(self, recipe: Recipe, **_: Any) -> None:
            built.append(recipe)

        def run(self) -> None:
            raise _Stop

    monkeypatch.setattr(llmsec, "Pipeline", CapturePipeline)
    monkeypatch.setattr(sys, "argv", ["pipeline.py"])
    with pytest.raises(_Stop):
        runpy.run_path(str(REPO / "examples" / "pipeline.py"), run_name="__main__")
    from_py = built[0].model_dump(exclude={"name", "output_dir"})
    from_yaml = load_recipe(REPO / "examples" / "recipes" / "pipeline.yaml").model_dump(exclude={"name", "output_dir"})
    assert from_py == from_yaml
