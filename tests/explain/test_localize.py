"""Line-localization metrics and baselines."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmsec.data import Example
from llmsec.explain import lexical_line_scores, localization_table, localize, rank_lines, ranking_metrics


def test_ranking_metrics_as_in_linevul() -> None:
    assert ranking_metrics([3, 1, 2], {3}) == {"top1": 1.0, "top5": 1.0, "top10": 1.0, "ifa": 0.0}
    m = ranking_metrics(list(range(1, 13)), {7, 12})
    assert m == {"top1": 0.0, "top5": 0.0, "top10": 1.0, "ifa": 6.0}
    assert ranking_metrics([1, 2], {9})["ifa"] == 2.0  # flaw never ranked: every line is a false alarm
    with pytest.raises(ValueError):
        ranking_metrics([1], [])


def test_rank_lines_orders_and_skips() -> None:
    assert rank_lines([0.1, 0.9, 0.5, 0.9], skip={4}) == [2, 3, 1]


def test_lexical_baseline_finds_dangerous_calls() -> None:
    lines = ["{", "    char b[8];", "    strcpy(b, s);", "    i = i + 1;", "}"]
    scores = lexical_line_scores(lines)
    assert scores.index(max(scores)) == 2 and scores[0] == scores[4] == 0.0 and scores[3] > 0


def test_localize_on_tiny_checkpoint(bert_ckpt: Path) -> None:
    examples = [
        Example("void f(char *s)\n{\n    char b[8];\n    strcpy(b, s);\n}", "vulnerable", meta={"flaw_lines": [4]}),
        Example("void g(int n)\n{\n    int a[4];\n    a[n] = 1;\n}", "vulnerable", meta={"flaw_lines": [4]}),
        Example("void h()\n{\n}", "vulnerable", meta={"flaw_lines": []}),
    ]
    result = localize(bert_ckpt, examples, methods=("gxi", "rollout"), random_repeats=50)
    assert result["n"] == 2 and result["skipped"] == 1
    assert set(result["methods"]) == {"gxi", "rollout", "random", "lexical"}
    assert result["methods"]["lexical"]["top1"] == 1.0
    rnd = result["methods"]["random"]
    assert 0.05 < rnd["top1"] < 0.45 and rnd["top5"] == 1.0  # 5 lines: 1/5 expected top-1
    table = localization_table(result)
    assert "| gradient × input |" in table and "| random ranking |" in table
