"""grid_search: settings chosen on the validation split, never the test split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmsec.config import load_recipe, recipe_from_dict
from llmsec.train import grid_search, parse_grid


def _recipe(model: Path, data_dir: Path, out: Path, *, with_eval: bool = True) -> object:
    data = {"train": str(data_dir / "corpus.jsonl")}
    if with_eval:
        data["eval"] = str(data_dir / "corpus.jsonl")
    return recipe_from_dict({
        "model": {"name": str(model)}, "output_dir": str(out),
        "stages": [{"kind": "pretrain", "max_length": 16, "data": data,
                    "trainer": {"max_steps": 2, "per_device_train_batch_size": 2}}],
    })


def test_parse_grid() -> None:
    assert parse_grid(["stages.0.trainer.learning_rate=1e-4, 3e-4", "stages.0.adapter.r=4"]) == {
        "stages.0.trainer.learning_rate": ["1e-4", "3e-4"], "stages.0.adapter.r": ["4"]}
    with pytest.raises(ValueError, match="key=value1,value2"):
        parse_grid(["stages.0.trainer.learning_rate"])
    with pytest.raises(ValueError, match="given twice"):
        parse_grid(["a=1", "a=2"])


def test_grid_trains_each_combination_and_keeps_the_best_validation_loss(tiny_llama_dir: Path, data_dir: Path,
                                                                          tmp_path: Path) -> None:
    cfg = _recipe(tiny_llama_dir, data_dir, tmp_path / "run")
    grid = {"stages.0.trainer.learning_rate": ["1e-6", "5e-2"], "stages.0.adapter.r": ["2"]}
    result = grid_search(cfg, grid)
    assert len(result.trials) == 2
    values = [t["value"] for t in result.trials]
    assert values[0] != values[1]  # the learning rate changed what was learnt
    assert result.best == values.index(min(values))  # a loss: lower wins
    assert result.trials[0]["overrides"] == ["stages.0.trainer.learning_rate=1e-6", "stages.0.adapter.r=2"]
    saved = json.loads((tmp_path / "run" / "grid.json").read_text())
    assert saved["best"] == result.best and saved["lower_is_better"] is True
    best = load_recipe(tmp_path / "run" / "best.yaml")
    assert best.stages[0].adapter.r == 2
    assert best.stages[0].trainer["learning_rate"] == float(grid["stages.0.trainer.learning_rate"][result.best])


def test_grid_needs_a_validation_split(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    cfg = _recipe(tiny_llama_dir, data_dir, tmp_path / "run", with_eval=False)
    with pytest.raises(ValueError, match=r"no data\.eval"):
        grid_search(cfg, {"stages.0.trainer.learning_rate": ["1e-4"]})
    with pytest.raises(ValueError, match="empty"):
        grid_search(cfg, {})


def test_grid_direction_is_the_registered_metrics(tiny_llama_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    """Which way is better comes from the metric registry evaluation reads, not a table of name fragments."""
    from llmsec.data.tasks import METRICS, Metric, register_metric
    from llmsec.train._grid import _direction

    assert _direction("eval_loss") and _direction("train_loss") and _direction("eval_perplexity")
    assert not _direction("eval_f1_macro") and not _direction("eval_accuracy")
    # lower is better for these too; a table of 'loss'/'perplexity'/'mad' fragments took them as higher-wins
    assert _direction("eval_bits_per_byte") and _direction("eval_vd_s") and _direction("eval_fpr")
    register_metric(Metric("toy_miss_rate", "toy miss rate", False))
    try:
        assert _direction("eval_toy_miss_rate")  # a new metric is one registration, here as everywhere
    finally:
        METRICS.remove("toy_miss_rate")
    cfg = _recipe(tiny_llama_dir, data_dir, tmp_path / "run")
    with pytest.raises(ValueError, match=r"'eval_runtime' is not a registered metric.*f1_macro.*lower_is_better"):
        grid_search(cfg, {"stages.0.trainer.learning_rate": ["1e-4"]}, metric="eval_runtime")  # before any training
    assert not (tmp_path / "run" / "grid").exists()
