"""The real-data recipes: each has its benchmark entry, and its data prepares into exactly the files it reads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmsec.config import load_recipe
from llmsec.train import preflight

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "examples" / "recipes" / "real"
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_recipes  # noqa: E402


def test_every_real_recipe_is_benchmarked() -> None:
    assert {p.name for p in REAL.glob("*.yaml")} == {b.recipe for b in bench_recipes.BENCHES}


@pytest.mark.integration
def test_real_recipes_read_what_the_benchmark_prepares(shared_data: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the recipes name runs/recipes/data/... relative to where they run
    recipes = {b.name: load_recipe(REAL / b.recipe) for b in bench_recipes.BENCHES}
    assert all(preflight(r, check_model=False) for r in recipes.values()), "no data yet: the check is not vacuous"
    for bench in bench_recipes.BENCHES:
        where = bench_recipes.prepare_data(bench, shared_data, max_samples=60)
        for name in ("train", "valid", "test"):
            assert (where / f"{name}.jsonl").stat().st_size > 0, (bench.name, name)
        assert preflight(recipes[bench.name], check_model=False) == [], bench.name
