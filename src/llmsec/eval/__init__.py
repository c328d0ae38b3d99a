"""Metrics, answer extraction, harness and reports for adapted checkpoints."""

from ._classify import classifier_probs, zero_shot_probs
from ._evaluate import detection_summary, evaluate
from ._lm import answer_perplexity, perplexity

__all__ = [
    "answer_perplexity",
    "classifier_probs",
    "detection_summary",
    "evaluate",
    "perplexity",
    "zero_shot_probs",
]
