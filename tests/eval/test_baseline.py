"""The TF-IDF + logistic-regression baseline."""

from __future__ import annotations

import numpy as np
import pytest

from llmsec.data import Document, Example
from llmsec.eval import tfidf_baseline

VULN = ["strcpy(buf, input);", "gets(line);", "sprintf(out, fmt, user);", "system(cmd + arg);"]
SAFE = ["strncpy(buf, input, sizeof buf - 1);", "fgets(line, sizeof line, stdin);",
        "snprintf(out, sizeof out, \"%s\", user);", "execv(path, argv);"]


def _train() -> list[Example]:
    return [Example(t, "vulnerable") for t in VULN * 3] + [Example(t, "safe") for t in SAFE * 3]


def test_baseline_separates_the_classes() -> None:
    fitted = tfidf_baseline(_train(), ["safe", "vulnerable"])
    probs = fitted.predict_proba(VULN + SAFE)
    assert probs.shape == (8, 2) and fitted.n_train == 24
    np.testing.assert_allclose(probs.sum(1), 1.0)
    assert (probs[:4, 1] > 0.5).all() and (probs[4:, 1] < 0.5).all()


def test_baseline_ignores_documents_and_checks_labels() -> None:
    fitted = tfidf_baseline([*_train(), Document("prose")], ["safe", "vulnerable"])
    assert fitted.n_train == 24
    with pytest.raises(ValueError, match=r"train\.jsonl: labels \['bogus'\] are outside"):
        tfidf_baseline([*_train(), Example("x", "bogus")], ["safe", "vulnerable"], source="train.jsonl")
    with pytest.raises(ValueError, match="two classes"):
        tfidf_baseline([Example(t, "safe") for t in SAFE], ["safe", "vulnerable"])
    with pytest.raises(ValueError, match="no labelled examples"):
        tfidf_baseline([Document("prose")], ["safe", "vulnerable"])


def test_unseen_class_gets_zero_probability() -> None:
    fitted = tfidf_baseline(_train(), ["other", "safe", "vulnerable"])
    probs = fitted.predict_proba(VULN)
    assert probs.shape == (4, 3) and (probs[:, 0] == 0).all()
