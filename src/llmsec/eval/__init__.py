"""Metrics, answer extraction, published-score reproduction and the evaluation harness."""

from ._baseline import TfidfBaseline, tfidf_baseline
from ._bootstrap import BootstrapCI, paired_bootstrap
from ._card import model_card, write_model_card
from ._classify import classifier_probs, zero_shot_probs
from ._compare import compare, compare_markdown, compare_metrics, compare_results, write_compare_report
from ._config import EvalConfig
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
from ._evaluate import SCHEMA_VERSION, check_scorable, detection_summary, evaluate, parse_quantize
from ._extract import extract_choice, extract_cvss_vector, extract_cwe, extract_cwe_ids, extract_technique_ids
from ._generate import GENERATION_TASKS, GenerationTask, build_prompt, generate_texts, score_generation
from ._lineage import ContaminationError, contamination_check, training_sources
from ._lm import answer_perplexity, perplexity
from ._metric_registry import METRICS, Metric, compute_metrics, get_metric, metric_title, register_metric
from ._metrics import VDPoint, detection_metrics, paired_metrics, vd_operating_point, vd_score
from ._report import markdown_report, write_report

from . import secure_code  # noqa: F401  (registers the secure-code task and its metrics)  isort: skip

__all__ = [
    "CTIBENCH_TASKS",
    "GENERATION_TASKS",
    "METRICS",
    "SCHEMA_VERSION",
    "BootstrapCI",
    "ContaminationError",
    "CtiBenchItem",
    "CtiBenchScore",
    "EvalConfig",
    "GenerationTask",
    "Metric",
    "TfidfBaseline",
    "VDPoint",
    "answer_perplexity",
    "build_prompt",
    "check_scorable",
    "classifier_probs",
    "compare",
    "compare_markdown",
    "compare_metrics",
    "compare_results",
    "compute_metrics",
    "contamination_check",
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
    "generate_texts",
    "get_metric",
    "markdown_report",
    "metric_title",
    "model_card",
    "paired_bootstrap",
    "paired_metrics",
    "parse_quantize",
    "perplexity",
    "read_ctibench_outputs",
    "register_metric",
    "score_ctibench",
    "score_generation",
    "technique_set_f1",
    "tfidf_baseline",
    "training_sources",
    "vd_operating_point",
    "vd_score",
    "write_compare_report",
    "write_model_card",
    "write_report",
    "zero_shot_probs",
]
