"""Paired bootstrap intervals: zero difference contains 0, a big difference excludes it, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from llmsec.eval import paired_bootstrap
from llmsec.eval._compare import compare_results


def _accuracy_pair(a: np.ndarray, b: np.ndarray):
    return lambda idx: (float(a[idx].mean()), float(b[idx].mean()))


def test_identical_models_give_an_interval_around_zero() -> None:
    correct = np.random.default_rng(1).integers(0, 2, 200).astype(float)
    ci = paired_bootstrap(_accuracy_pair(correct, correct), 200)
    assert ci.diff == 0.0 and ci.low <= 0.0 <= ci.high and not ci.excludes_zero


def test_equal_accuracy_different_items_contains_zero() -> None:
    a = np.array([1.0, 0.0] * 100)
    b = np.array([0.0, 1.0] * 100)
    ci = paired_bootstrap(_accuracy_pair(a, b), 200, n_resamples=500)
    assert ci.diff == 0.0 and ci.low < 0.0 < ci.high


def test_big_difference_excludes_zero() -> None:
    rng = np.random.default_rng(2)
    a = (rng.random(300) < 0.5).astype(float)
    b = (rng.random(300) < 0.9).astype(float)
    ci = paired_bootstrap(_accuracy_pair(a, b), 300)
    assert ci.diff > 0.3 and ci.low > 0.2 and ci.excludes_zero
    assert ci.n_resamples == 1000 and ci.n_valid == 1000


def test_seed_makes_it_reproducible() -> None:
    a = np.random.default_rng(3).integers(0, 2, 50).astype(float)
    b = np.random.default_rng(4).integers(0, 2, 50).astype(float)
    first = paired_bootstrap(_accuracy_pair(a, b), 50, seed=7)
    assert first == paired_bootstrap(_accuracy_pair(a, b), 50, seed=7)
    assert first != paired_bootstrap(_accuracy_pair(a, b), 50, seed=8)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        paired_bootstrap(lambda idx: (0.0, 0.0), 0)
    with pytest.raises(ValueError, match="undefined"):
        paired_bootstrap(lambda idx: (float("nan"), 0.0), 3)


def _detection_result(name: str, y: list[int], p1: list[float]) -> dict:
    items = [{"index": i, "label": t, "pred": int(p >= 0.5), "probs": [1 - p, p]}
             for i, (t, p) in enumerate(zip(y, p1, strict=True))]
    return {"task": "vuln-detect", "kind": "detection", "n": len(y), "model": {"name": name}, "items": items}


def test_compare_results_on_detection_items() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 120).tolist()
    good = [0.9 if t else 0.1 for t in y]
    coin = rng.random(120).tolist()
    rows = {r["metric"]: r for r in compare_results(_detection_result("a", y, coin), _detection_result("b", y, good),
                                                    n_resamples=300)}
    assert set(rows) == {"accuracy", "f1", "mcc", "roc_auc"}
    assert rows["accuracy"]["b"] == 1.0 and rows["roc_auc"]["b"] == 1.0
    assert all(r["excludes_zero"] and r["diff"] > 0 for r in rows.values())
    from sklearn.metrics import matthews_corrcoef, roc_auc_score

    assert rows["roc_auc"]["a"] == pytest.approx(roc_auc_score(y, coin))
    assert rows["mcc"]["a"] == pytest.approx(matthews_corrcoef(y, [int(p >= 0.5) for p in coin]))


def test_compare_results_refuses_different_items() -> None:
    a = _detection_result("a", [0, 1, 1], [0.2, 0.8, 0.6])
    with pytest.raises(ValueError, match="prediction counts differ"):
        compare_results(a, _detection_result("b", [0, 1], [0.2, 0.8]))
    with pytest.raises(ValueError, match="different true labels"):
        compare_results(a, _detection_result("b", [1, 1, 0], [0.2, 0.8, 0.6]))
