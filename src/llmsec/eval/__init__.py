"""Metrics, answer extraction, published-score reproduction and the evaluation harness."""

from ._classify import classifier_probs, zero_shot_probs
from ._ctibench import (
    CTIBENCH_TASKS,
    CtiBenchItem,
    CtiBenchScore,
    cvss_base_score,
    cvss_mad,
    read_ctibench_outputs,
    score_ctibench,
    technique_set_f1,
)
from ._evaluate import detection_summary, evaluate
from ._extract import extract_choice, extract_cvss_vector, extract_cwe, extract_cwe_ids, extract_technique_ids
from ._lm import answer_perplexity, perplexity
from ._metrics import VDPoint, detection_metrics, paired_metrics, vd_operating_point, vd_score

__all__ = [
    "CTIBENCH_TASKS",
    "CtiBenchItem",
    "CtiBenchScore",
    "VDPoint",
    "answer_perplexity",
    "classifier_probs",
    "cvss_base_score",
    "cvss_mad",
    "detection_metrics",
    "detection_summary",
    "evaluate",
    "extract_choice",
    "extract_cvss_vector",
    "extract_cwe",
    "extract_cwe_ids",
    "extract_technique_ids",
    "paired_metrics",
    "perplexity",
    "read_ctibench_outputs",
    "score_ctibench",
    "technique_set_f1",
    "vd_operating_point",
    "vd_score",
    "zero_shot_probs",
]
