"""Detection metrics, PrimeVul's VD-S and pair-wise scores."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from llmsec.eval._metrics import detection_metrics, paired_metrics, vd_operating_point, vd_score


def primevul_calculate_vul_det_score(predictions, ground_truth, target_fpr=0.1):
    """Transcription of ``calculate_vul_det_score`` from DLVulDet/PrimeVul ``calc_vd_score.py``."""
    fpr, _tpr, thresholds = roc_curve(ground_truth, predictions)
    valid_indices = np.where(fpr <= target_fpr)[0]
    if len(valid_indices) > 0:  # noqa: SIM108  (kept as written upstream)
        idx = valid_indices[-1]
    else:
        idx = np.abs(fpr - target_fpr).argmin()
    chosen_threshold = thresholds[idx]
    classified_preds = [1 if pred >= chosen_threshold else 0 for pred in predictions]
    fn = sum([1 for i in range(len(ground_truth)) if ground_truth[i] == 1 and classified_preds[i] == 0])
    tp = sum([1 for i in range(len(ground_truth)) if ground_truth[i] == 1 and classified_preds[i] == 1])
    fnr = fn / (fn + tp) if (fn + tp) > 0 else 0
    fp = sum([1 for i in range(len(ground_truth)) if ground_truth[i] == 0 and classified_preds[i] == 1])
    tn = sum([1 for i in range(len(ground_truth)) if ground_truth[i] == 0 and classified_preds[i] == 0])
    fpr = fp / (fp + tn) if (fp + tn) > 0 else 0
    return fpr, fnr, chosen_threshold


# --- binary detection: hand-computed ------------------------------------------

Y_TRUE = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
Y_PRED = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]  # TP=3 FN=1 FP=1 TN=5


def test_binary_labels_match_hand_computation() -> None:
    m = detection_metrics(Y_TRUE, Y_PRED)
    assert m["n"] == 10
    assert m["accuracy"] == pytest.approx(0.8)
    assert m["precision"] == pytest.approx(3 / 4)
    assert m["recall"] == pytest.approx(3 / 4)
    assert m["f1"] == pytest.approx(0.75)
    assert m["fpr"] == pytest.approx(1 / 6)
    # negative class: precision 5/6, recall 5/6 -> F1 5/6; macro = (0.75 + 5/6) / 2
    assert m["f1_macro"] == pytest.approx((0.75 + 5 / 6) / 2)
    mcc = (3 * 5 - 1 * 1) / math.sqrt(4 * 4 * 6 * 6)
    assert m["mcc"] == pytest.approx(mcc)
    assert "roc_auc" not in m and "vd_s" not in m


def test_positive_label_choice_flips_precision_and_fpr() -> None:
    names = {1: "vuln", 0: "safe"}
    t = [names[x] for x in Y_TRUE]
    p = [names[x] for x in Y_PRED]
    m = detection_metrics(t, p, positive="safe")
    assert m["precision"] == pytest.approx(5 / 6)
    assert m["recall"] == pytest.approx(5 / 6)
    assert m["fpr"] == pytest.approx(1 / 4)  # vulnerable items called safe
    assert m["f1_macro"] == pytest.approx(detection_metrics(Y_TRUE, Y_PRED)["f1_macro"])


def test_scores_give_threshold_predictions_and_ranking_metrics() -> None:
    scores = [0.9, 0.8, 0.7, 0.4, 0.6, 0.3, 0.2, 0.1, 0.05, 0.0]
    m = detection_metrics(Y_TRUE, y_score=scores)  # >= 0.5 reproduces Y_PRED
    assert m["accuracy"] == pytest.approx(0.8)
    # 4 positives x 6 negatives = 24 pairs; only (0.4 vs 0.6) is mis-ordered
    assert m["roc_auc"] == pytest.approx(23 / 24)
    # AP: precision at each positive's rank: 1, 1, 1, 4/5
    assert m["pr_auc"] == pytest.approx((1 + 1 + 1 + 4 / 5) / 4)
    # the largest threshold with FPR 0 is 0.7: one of four positives missed
    assert m["vd_s"] == pytest.approx(0.25)


def test_multiclass_is_macro_and_matches_sklearn() -> None:
    from sklearn.metrics import f1_score, matthews_corrcoef, precision_score, recall_score, roc_auc_score

    rng = np.random.default_rng(3)
    t = rng.integers(0, 3, 200)
    probs = rng.dirichlet([1, 1, 1], 200)
    probs[np.arange(200), t] += 0.4
    probs /= probs.sum(axis=1, keepdims=True)
    m = detection_metrics(t, y_score=probs)
    pred = probs.argmax(axis=1)
    assert m["accuracy"] == pytest.approx(float(np.mean(pred == t)))
    assert m["precision"] == pytest.approx(precision_score(t, pred, average="macro"))
    assert m["recall"] == pytest.approx(recall_score(t, pred, average="macro"))
    assert m["f1"] == pytest.approx(f1_score(t, pred, average="macro"))
    assert m["f1_macro"] == pytest.approx(m["f1"])
    assert m["mcc"] == pytest.approx(matthews_corrcoef(t, pred))
    assert m["roc_auc"] == pytest.approx(roc_auc_score(t, probs, multi_class="ovr", average="macro"))
    assert "vd_s" not in m
    fprs = [np.sum((pred == c) & (t != c)) / np.sum(t != c) for c in range(3)]
    assert m["fpr"] == pytest.approx(float(np.mean(fprs)))


def test_one_class_truth_makes_ranking_metrics_nan() -> None:
    m = detection_metrics([1, 1, 1], y_score=[0.2, 0.7, 0.9])
    assert m["recall"] == pytest.approx(2 / 3)
    assert math.isnan(m["roc_auc"]) and math.isnan(m["vd_s"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y_true": [], "y_pred": []}, "y_true is empty"),
        ({"y_true": [0, 1, 1], "y_pred": [0, 1]}, "length mismatch: y_true=3, y_pred=2"),
        ({"y_true": [0, 1, 2], "y_pred": [0, 1, 1], "labels": [0, 1]}, r"outside the allowed set \[0, 1\]: \[2\]"),
        ({"y_true": [0, 1], "y_pred": [0, 7], "labels": [0, 1]}, r"y_pred holds labels .*\[7\]"),
        ({"y_true": [0, 1]}, "pass y_pred"),
        ({"y_true": ["a", "b"], "y_pred": ["a", "b"]}, "positive=1 is not one of the labels"),
        ({"y_true": [0, 1], "y_score": [[0.1, 0.9], [0.8, 0.2]]}, "must be 1-D"),
    ],
)
def test_bad_input_raises_one_clear_error(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        detection_metrics(**kwargs)


# --- VD-S ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_vd_s_agrees_with_primevul_on_random_predictions(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 3000))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    kind = seed % 4
    if kind == 0:  # continuous, informative
        s = rng.normal(size=n) + 1.2 * y
    elif kind == 1:  # heavy ties (rounded probabilities)
        s = np.round(rng.random(n) * 0.6 + 0.4 * y, 1)
    elif kind == 2:  # uninformative
        s = rng.random(n)
    else:  # near-perfect separation
        s = y + rng.normal(scale=0.2, size=n)
    ref_fpr, ref_fnr, ref_thr = primevul_calculate_vul_det_score(s.tolist(), y.tolist(), target_fpr=0.005)
    point = vd_operating_point(y, s)
    assert abs(point.fnr - ref_fnr) <= 1e-6
    assert abs(point.fpr - ref_fpr) <= 1e-6
    assert point.threshold == ref_thr or (math.isinf(point.threshold) and math.isinf(ref_thr))
    assert point.fpr <= 0.005
    assert vd_score(y.tolist(), s.tolist()) == pytest.approx(ref_fnr, abs=1e-6)


def test_vd_s_other_budget_and_hand_value() -> None:
    y = [0] * 10 + [1] * 4
    s = [0.1 * i for i in range(10)] + [0.95, 0.85, 0.5, 0.2]
    # negatives top out at 0.9: with no false positive allowed only 0.95 is caught -> FNR 3/4
    assert vd_score(y, s) == pytest.approx(0.75)
    # with one false positive allowed (10%), threshold 0.8 catches 0.95 and 0.85 -> FNR 2/4
    assert vd_score(y, s, max_fpr=0.1) == pytest.approx(0.5)
    assert primevul_calculate_vul_det_score(s, y, target_fpr=0.1)[1] == pytest.approx(0.5)


def test_vd_s_rejects_one_class_and_bad_labels() -> None:
    with pytest.raises(ValueError, match="both classes"):
        vd_score([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"outside the allowed set \[0, 1\]: \[2\]"):
        vd_score([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="length mismatch"):
        vd_score([0, 1], [0.1])


# --- pairs --------------------------------------------------------------------


def test_paired_metrics_count_each_outcome() -> None:
    ids = ["a", "a", "b", "b", "c", "c", "d", "d", "e", "e"]
    y = [1, 0, 0, 1, 1, 0, 1, 0, 0, 1]
    # a: correct; b: patched->1, vuln->1 (P-V); c: both 0 (P-B); d: reversed; e: correct
    p = [1, 0, 1, 1, 0, 0, 0, 1, 0, 1]
    m = paired_metrics(ids, y, p)
    assert m == {"P-C": 0.4, "P-V": 0.2, "P-B": 0.2, "P-R": 0.2, "n_pairs": 5}


def test_paired_metrics_with_string_labels() -> None:
    m = paired_metrics([1, 1], ["vuln", "safe"], ["safe", "vuln"], positive="vuln")
    assert m["P-R"] == 1.0 and m["P-C"] == 0.0


def test_paired_metrics_reject_bad_pairs() -> None:
    with pytest.raises(ValueError, match=r"pair 'x' must hold one vulnerable \(1\) and one patched item, got labels"):
        paired_metrics(["x", "x", "x"], [1, 0, 0], [1, 0, 0])
    with pytest.raises(ValueError, match="pair 'y' must hold one vulnerable"):
        paired_metrics(["y", "y"], [1, 1], [1, 0])
    with pytest.raises(ValueError, match="length mismatch: pair_ids=2, y_true=2, y_pred=1"):
        paired_metrics(["y", "y"], [1, 0], [1])
    with pytest.raises(ValueError, match="pair_ids is empty"):
        paired_metrics([], [], [])
    with pytest.raises(ValueError, match=r"y_pred holds labels .*\[5\]"):
        paired_metrics([1, 1], [1, 0], [5, 0])
