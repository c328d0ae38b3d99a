"""Explain classifier decisions: which lines, words, URL parts or flow features made the model decide.

``llmsec.explain`` is this package; :func:`llmsec.explain.explain` is the
function (also exported at the top level as ``llmsec.explain_text``, so the
package and the function never shadow each other).

Example:
    >>> from llmsec.explain import explain
    >>> e = explain("runs/vuln/checkpoint", open("copy.c").read(), method="ig", top_k=5)  # doctest: +SKIP
    >>> [(u.name, round(u.score, 3)) for u in e.top()]  # doctest: +SKIP
    >>> open("report.html", "w").write(e.to_html())  # doctest: +SKIP

captum and torch are imported only when an explanation is computed.
"""

from __future__ import annotations

from ._aggregate import UNITS, Unit, choose_unit, email_fields, feature_units, line_units, url_units, word_units
from ._attribute import METHOD_NAMES, METHODS
from ._explain import (
    EmptyInputError,
    Explainer,
    ExplainError,
    Explanation,
    NotAClassifierError,
    Token,
    explain,
)
from ._localize import (
    LEXICAL_KEYWORDS,
    lexical_line_scores,
    localization_table,
    localize,
    rank_lines,
    ranking_metrics,
)
from ._render import render_html, render_json, render_terminal

explain_text = explain

__all__ = [
    "LEXICAL_KEYWORDS",
    "METHODS",
    "METHOD_NAMES",
    "UNITS",
    "EmptyInputError",
    "ExplainError",
    "Explainer",
    "Explanation",
    "NotAClassifierError",
    "Token",
    "Unit",
    "choose_unit",
    "email_fields",
    "explain",
    "explain_text",
    "feature_units",
    "lexical_line_scores",
    "line_units",
    "localization_table",
    "localize",
    "rank_lines",
    "ranking_metrics",
    "render_html",
    "render_json",
    "render_terminal",
    "url_units",
    "word_units",
]
