"""The classical baseline every detection result is reported beside: TF-IDF + logistic regression."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..data import Example, Record

__all__ = ["TfidfBaseline", "tfidf_baseline"]

logger = logging.getLogger(__name__)


@dataclass
class TfidfBaseline:
    """A fitted baseline.

    Attributes:
        labels: class names, in column order of :meth:`predict_proba`.
        n_train: training examples it was fitted on.
        pipeline: the scikit-learn pipeline (char + word TF-IDF -> logistic regression).
    """

    labels: list[str]
    n_train: int
    pipeline: object

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, one row per text, columns in ``labels`` order (unseen classes get 0)."""
        raw = self.pipeline.predict_proba(list(texts))  # type: ignore[attr-defined]
        classes = list(self.pipeline.classes_)  # type: ignore[attr-defined]
        out = np.zeros((len(texts), len(self.labels)))
        for j, cls in enumerate(classes):
            out[:, int(cls)] = raw[:, j]
        return out


def tfidf_baseline(train: Sequence[Record], labels: Sequence[str], *, source: str = "training data",
                   seed: int = 0, max_features: int = 50_000) -> TfidfBaseline:
    """Fit TF-IDF (character 2-5-grams + word 1-2-grams) + class-balanced logistic regression.

    Args:
        train: training records (only Examples are used).
        labels: the task's class names; labels outside them are an error.
        source: where ``train`` came from, for error messages.
        seed: the solver's random state.
        max_features: vocabulary cap of each vectorizer.

    Raises:
        ValueError: no Examples, a label outside ``labels``, or a single class.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    examples = [r for r in train if isinstance(r, Example)]
    if not examples:
        raise ValueError(f"{source}: no labelled examples to train the TF-IDF baseline on; "
                         "pass --baseline-train with a detection data set")
    bad = sorted({r.label for r in examples} - set(labels))
    if bad:
        raise ValueError(f"{source}: labels {bad[:10]} are outside the task's label set {list(labels)}")
    y = np.array([list(labels).index(r.label) for r in examples])
    if len(set(y.tolist())) < 2:
        raise ValueError(f"{source}: the baseline needs two classes, found only {labels[int(y[0])]!r}")
    features = FeatureUnion([
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                 max_features=max_features)),
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                 token_pattern=r"[A-Za-z_][A-Za-z0-9_]+|\S", max_features=max_features)),
    ])
    pipe = make_pipeline(features, LogisticRegression(class_weight="balanced", max_iter=2000, random_state=seed))
    pipe.fit([r.text for r in examples], y)
    logger.info("TF-IDF baseline fitted on %d examples from %s", len(examples), source)
    return TfidfBaseline(labels=list(labels), n_train=len(examples), pipeline=pipe)
