"""Line-localization evaluation: do the top-ranked lines hold the flaw?

Metrics follow LineVul (Fu & Tantithamthavorn, 2022): top-k accuracy is the
share of vulnerable functions with at least one flaw line among their ``k``
highest-ranked lines; initial false alarms (IFA) is the number of clean lines
ranked above the first flaw line. Lines are ranked by score, ties broken at
random (seeded), blank lines excluded. Two baselines sit beside the attribution
methods: a random ranking (the expectation over many shuffles) and a lexical
one that ranks lines by dangerous-call keywords.
"""

from __future__ import annotations

import logging
import re
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Calls and constructs that C/C++ vulnerability scanners (flawfinder, RATS) flag, with rough weights.
LEXICAL_KEYWORDS: dict[str, float] = {
    **dict.fromkeys(("strcpy", "strcat", "sprintf", "vsprintf", "gets", "wcscpy", "wcscat", "swprintf",
                     "system", "popen", "execl", "execlp", "execv", "execvp", "_execl", "_wexecl", "printf",
                     "fprintf", "wprintf", "snprintf", "vprintf", "vfprintf", "_snprintf", "_snwprintf",
                     "fopen", "_wfopen", "open", "ifstream", "ofstream", "CreateFile"), 3.0),
    **dict.fromkeys(("memcpy", "memmove", "strncpy", "strncat", "wcsncpy", "wcsncat", "memset", "alloca",
                     "malloc", "calloc", "realloc", "free", "delete", "new", "scanf", "fscanf", "sscanf",
                     "fgets", "fgetws", "recv", "atoi", "atol", "strtoul", "rand", "ldap_search_ext_s",
                     "getenv", "read", "strlen", "wcslen"), 2.0),
    **dict.fromkeys(("sizeof", "NULL", "INT_MAX", "CHAR_MAX", "SHRT_MAX", "LLONG_MAX", "UINT_MAX"), 1.0),
}
_IDENT = re.compile(r"[A-Za-z_]\w*")
_ARITH = re.compile(r"(?:\+\+|--|[-+*/]=|\s[-+*/%]\s)")
_INDEX = re.compile(r"\w\s*\[[^\]]*[A-Za-z_][^\]]*\]\s*=?")


def lexical_line_scores(lines: Sequence[str]) -> list[float]:
    """A keyword score per line: dangerous calls, variable array indices, arithmetic and frees."""
    scores = []
    for line in lines:
        score = sum(LEXICAL_KEYWORDS.get(word, 0.0) for word in _IDENT.findall(line))
        score += 1.0 * len(_INDEX.findall(line)) + 0.5 * len(_ARITH.findall(line))
        scores.append(score)
    return scores


def rank_lines(scores: Sequence[float], *, skip: Iterable[int] = (), rng: Any = None) -> list[int]:
    """1-based line numbers, highest score first; ties broken by ``rng`` (a numpy Generator) or by position."""
    skip = set(skip)
    keys = rng.random(len(scores)) if rng is not None else range(len(scores))
    order = sorted((i for i in range(len(scores)) if i + 1 not in skip), key=lambda i: (-scores[i], keys[i]))
    return [i + 1 for i in order]


def ranking_metrics(
    ranking: Sequence[int], flaw_lines: Iterable[int], ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    """Top-k hits (1.0/0.0) and initial false alarms of one ranking against the known flaw lines."""
    flaws = set(flaw_lines)
    if not flaws:
        raise ValueError("ranking_metrics needs at least one flaw line")
    first = next((i for i, line in enumerate(ranking) if line in flaws), len(ranking))
    out = {f"top{k}": float(first < k) for k in ks}
    out["ifa"] = float(first)
    return out


def _mean_metrics(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    keys = rows[0].keys()
    out = {k: statistics.fmean(r[k] for r in rows) for k in keys}
    out["ifa_median"] = statistics.median(r["ifa"] for r in rows)
    out["ifa_mean"] = out.pop("ifa")
    return out


def localize(
    checkpoint: str | Path | Any,
    examples: Sequence[Any],
    *,
    methods: Sequence[str] = ("ig", "gxi", "rollout"),
    target: str = "vulnerable",
    n_steps: int = 32,
    random_repeats: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Rank the lines of vulnerable functions by each method and score against ``meta["flaw_lines"]``.

    Args:
        checkpoint: a classifier checkpoint directory or a loaded :class:`~llmsec.explain.Explainer`.
        examples: :class:`~llmsec.data.Example` records whose ``meta["flaw_lines"]`` (1-based lines of
            ``text``) are non-empty; others are skipped (and counted).
        methods: attribution methods to evaluate.
        target: the label whose evidence ranks the lines.
        n_steps: integrated-gradients steps.
        random_repeats: shuffles averaged for the random baseline.
        seed: tie-breaking and random-baseline seed.

    Returns:
        ``{"n": evaluated, "skipped": ..., "methods": {name: {top1, top5, top10, ifa_mean, ifa_median}},
        "classifier": {"predicted_target": share predicted as target}}``.
    """
    import numpy as np

    from ._explain import Explainer

    explainer = checkpoint if isinstance(checkpoint, Explainer) else Explainer.from_checkpoint(checkpoint)
    rng = np.random.default_rng(seed)
    per_method: dict[str, list[dict[str, float]]] = {m: [] for m in (*methods, "random", "lexical")}
    predicted, skipped = [], 0
    for n, ex in enumerate(examples, start=1):
        flaws = set(ex.meta.get("flaw_lines") or [])
        lines = ex.text.split("\n")
        blank = {i + 1 for i, line in enumerate(lines) if not line.strip()}
        flaws -= blank
        if not flaws:
            skipped += 1
            continue
        for method in methods:
            e = explainer.explain(ex.text, method=method, unit="line", target=target, n_steps=n_steps)
            scores = [u.score for u in e.units]
            per_method[method].append(ranking_metrics(rank_lines(scores, skip=blank, rng=rng), flaws))
            if method == methods[0]:
                predicted.append(e.label == target)
        shuffles = [ranking_metrics(rank_lines([0.0] * len(lines), skip=blank, rng=rng), flaws)
                    for _ in range(random_repeats)]
        per_method["random"].append({k: statistics.fmean(s[k] for s in shuffles) for k in shuffles[0]})
        lexical = lexical_line_scores(lines)
        per_method["lexical"].append(ranking_metrics(rank_lines(lexical, skip=blank, rng=rng), flaws))
        if n % 10 == 0:
            logger.info("localized %d/%d functions", n, len(examples))
    evaluated = len(per_method["random"])
    if not evaluated:
        raise ValueError("no example has flaw lines (meta['flaw_lines']) to localize")
    return {
        "n": evaluated,
        "skipped": skipped,
        "methods": {m: _mean_metrics(rows) for m, rows in per_method.items() if rows},
        "classifier": {"predicted_target": statistics.fmean(predicted) if predicted else None},
    }


def localization_table(result: dict[str, Any]) -> str:
    """A markdown table of :func:`localize`'s result."""
    from ._attribute import METHOD_NAMES

    names = {**METHOD_NAMES, "random": "random ranking", "lexical": "lexical (dangerous-call keywords)"}
    rows = ["| ranking | top-1 acc | top-5 acc | top-10 acc | IFA mean | IFA median |",
            "|---|---:|---:|---:|---:|---:|"]
    for method, m in result["methods"].items():
        rows.append(f"| {names.get(method, method)} | {m['top1']:.3f} | {m['top5']:.3f} | {m['top10']:.3f} | "
                    f"{m['ifa_mean']:.2f} | {m['ifa_median']:.1f} |")
    return "\n".join(rows)
