"""Hostile recipes: YAML alias bombs and recursive anchors are refused fast, errors stay short."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from llmsec.config import RecipeError, apply_override, load_recipe, recipe_from_dict
from llmsec.config._io import MAX_YAML_NODES, check_yaml_expansion, short_repr


def bomb(levels: int, key: str = "name") -> str:
    """The "billion laughs": each level an anchored list of nine aliases of the level below."""
    names = "abcdefghijklmnop"
    lines = [f"l0: &{names[0]} [" + ", ".join(['"lol"'] * 9) + "]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &{names[i]} [" + ", ".join([f"*{names[i - 1]}"] * 9) + "]")
    lines.append(f"{key}: *{names[levels - 1]}")
    return "\n".join(lines) + "\n"


def test_the_bomb_is_small_and_its_expansion_is_not() -> None:
    text = bomb(9)
    assert len(text) < 600
    node = yaml.compose(text)
    with pytest.raises(RecipeError, match="alias bomb"):
        check_yaml_expansion(node)
    assert check_yaml_expansion(yaml.compose(bomb(3))) < 2_000


def test_an_alias_bomb_recipe_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(9), encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(RecipeError, match=r"past 100,000 nodes \(an alias bomb\?\)") as err:
        load_recipe(path)
    assert time.perf_counter() - started < 10.0  # the check is linear in the document: milliseconds
    assert str(path) in str(err.value)


def test_validate_cli_refuses_the_bomb_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(9), encoding="utf-8")
    # a hang guard, not a benchmark: the CLI's imports alone take seconds on a busy machine
    try:
        proc = subprocess.run([sys.executable, "-m", "llmsec", "validate", str(path), "--no-check-model"],
                              capture_output=True, text=True, timeout=180, env={**os.environ, "COLUMNS": "200"})
    except subprocess.TimeoutExpired:
        pytest.fail("llmsec validate still busy after 180 s on a few-hundred-byte alias bomb")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "alias bomb" in proc.stderr


def test_an_expansion_under_the_bound_gives_a_short_error(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text(bomb(4), encoding="utf-8")  # 9**4 = 6,561 strings: allowed, but not a name
    assert check_yaml_expansion(yaml.compose(bomb(4))) < MAX_YAML_NODES
    with pytest.raises(RecipeError) as err:
        load_recipe(path)
    message = str(err.value)
    assert "name: Input should be a valid string (got [[[" in message
    assert len(message) < 3_000


def test_a_recursive_anchor_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("model: &m {name: x, loop: *m}\nstages: []\n", encoding="utf-8")
    with pytest.raises(RecipeError, match="alias to itself"):
        load_recipe(path)


def test_an_override_cannot_smuggle_a_bomb() -> None:
    value = "[" + ", ".join(["&a [" + ", ".join(['"lol"'] * 9) + "]"] + ["*a"] * 8) + "]"
    levels = value
    for i in range(8):
        levels = f"[&x{i} {levels}, " + ", ".join([f"*x{i}"] * 8) + "]"
    raw: dict = {"model": {"name": "m"}, "stages": []}
    with pytest.raises(RecipeError, match="alias bomb"):
        apply_override(raw, f"name={levels}")


def test_ordinary_anchors_still_work(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "model: {name: smollm2-135m-instruct}\n"
        "stages:\n"
        "  - kind: pretrain\n"
        "    name: a\n"
        "    data: {train: 'builtin:corpus'}\n"
        "    trainer: &t {max_steps: 3, learning_rate: 0.001}\n"
        "  - kind: pretrain\n"
        "    name: b\n"
        "    data: {train: 'builtin:corpus'}\n"
        "    trainer: *t\n",
        encoding="utf-8",
    )
    recipe = load_recipe(path)
    assert recipe.stages[0].trainer == recipe.stages[1].trainer == {"max_steps": 3, "learning_rate": 0.001}


def test_many_errors_are_capped_and_inputs_cut() -> None:
    raw = {"model": {"name": "m"}, "stages": [{"kind": "pretrain", "data": {"train": "x"}, "max_length": "y" * 10_000}
                                              for _ in range(80)]}
    with pytest.raises(RecipeError) as err:
        recipe_from_dict(raw)
    message = str(err.value)
    assert "80 problem(s)" in message and "... and 30 more" in message
    assert len(message) < 50 * 400
    assert "(got 'yyyy" in message and "y" * 200 not in message


def test_short_repr_bounds_deep_and_wide_values() -> None:
    shared: list = ["lol"] * 9
    for _ in range(30):
        shared = [shared] * 9  # 9**30 leaves: repr() would never finish
    started = time.perf_counter()
    text = short_repr(shared)
    assert len(text) <= 200 and time.perf_counter() - started < 1.0
    assert len(short_repr("x" * 10_000)) <= 200
