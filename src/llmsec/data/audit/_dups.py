"""The audit's duplicate checks: conflicting twins (and the accuracy ceiling), duplicates within and across splits."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .._records import Example
from ..clean import cross_duplicates, dedup, normalize_text
from ._report import Finding

_FUNC_NAME = re.compile(r"^([^(){};]*?)\b[A-Za-z_~][\w:~]*(\s*\()")
_HELPER = re.compile(r"\bhelper\d+\b")
MAX_EXAMPLES = 5


def twin_text(text: str, *, code: bool) -> str:
    """The form twins are compared in: the task's normalisation; for code also the defined
    function's name (``func``, ``badSink``...) and anonymised helper names normalised."""
    norm = normalize_text(text, code=code)
    if code and "{" in norm:
        norm = _FUNC_NAME.sub(r"\1FUNC\2", norm, count=1)
        norm = _HELPER.sub("helper", norm)
    return norm


@dataclass
class DupIndex:
    """Exact groups and near-duplicate pairs of a set of texts (with their labels)."""

    keys: list[bytes]
    groups: dict[bytes, list[int]]
    near: list[tuple[int, int, float]]  # (record, kept twin, similarity), not exact

    @property
    def redundant(self) -> int:
        """Records that are copies of an earlier one (exact)."""
        return len(self.keys) - len(self.groups)

    def multi(self) -> list[list[int]]:
        """Exact groups with more than one member."""
        return [g for g in self.groups.values() if len(g) > 1]


def index_duplicates(texts: Sequence[str], *, near: bool, threshold: float) -> DupIndex:
    """Exact groups (by normalised text) and near duplicates (MinHash) among ``texts``."""
    keys = [hashlib.sha1(t.encode("utf-8")).digest() for t in texts]
    groups: dict[bytes, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        groups[k].append(i)
    pairs: list[tuple[int, int, float]] = []
    if near and len(texts) > 1:
        firsts = sorted(g[0] for g in groups.values())
        docs = [Example(texts[i], "") for i in firsts]
        result = dedup(docs, near=True, threshold=threshold, code=False)
        pairs = [(firsts[d.index], firsts[d.of], d.similarity) for d in result.removed if d.kind == "near"]
    return DupIndex(keys, dict(groups), pairs)


def _show(text: str, where: str) -> str:
    short = " ".join(text.split())[:120]
    return f"{where}: {short}" if where else short


def twins_finding(index: DupIndex, labels: Sequence[str], texts: Sequence[str],
                  where: Sequence[str]) -> Finding:
    """Identical inputs (after normalisation) with different labels, and the accuracy ceiling they imply."""
    n = len(labels)
    conflicting = [g for g in index.multi() if len({labels[i] for i in g}) > 1]
    in_conflict = sum(len(g) for g in conflicting)
    best = sum(max(Counter(labels[i] for i in g).values()) for g in index.groups.values())
    ceiling = best / n if n else 1.0
    near_conflicts = sum(1 for i, j, _ in index.near if labels[i] != labels[j])
    metrics = {
        "conflicting_groups": len(conflicting), "records_in_conflict": in_conflict,
        "accuracy_ceiling": round(ceiling, 4), "near_twins_other_label": near_conflicts,
        "spanning": [dict(Counter(labels[i] for i in g)) for g in conflicting[:20]],
    }
    examples = []
    for g in conflicting[:MAX_EXAMPLES]:
        counts = ", ".join(f"{k} {v}" for k, v in Counter(labels[i] for i in g).items())
        examples.append(_show(texts[g[0]], f"[{counts}] {'; '.join(where[i] for i in g[:3] if where[i])}"))
    near_note = (f"; {near_conflicts} near-identical pairs carry another label (minimal pairs or label noise:"
                 " not counted in the ceiling)" if near_conflicts else "")
    if not conflicting:
        return Finding("twins", "ok", f"no identical inputs with different labels{near_note}", metrics=metrics)
    message = (f"{in_conflict} records ({in_conflict / n:.1%}) in {len(conflicting)} groups of identical inputs "
               f"with different labels: no model can beat accuracy {ceiling:.3f}{near_note}")
    if ceiling >= 0.9995:
        message = message.replace(f"accuracy {ceiling:.3f}", f"accuracy {ceiling:.4f}")
    remedy = ("drop or relabel the conflicting twins (for code: label a function by whether it holds the flaw, "
              "so shared sinks are not 'vulnerable' in one file and 'safe' in the other); quote scores against "
              "the ceiling")
    return Finding("twins", "fail" if ceiling < 0.99 else "warn", message, remedy, metrics, examples)


def duplicates_finding(index: DupIndex, labels: Sequence[str], texts: Sequence[str],
                       where: Sequence[str]) -> Finding:
    """Exact and near duplicates within the data, per label."""
    n = len(labels)
    multi = index.multi()
    in_groups = sum(len(g) for g in multi)
    per_label = Counter(labels[i] for g in multi for i in g)
    spanning = sum(1 for g in multi if len({labels[i] for i in g}) > 1)
    frac = in_groups / n if n else 0.0
    near_frac = len(index.near) / n if n else 0.0
    metrics = {
        "records": n, "exact_groups": len(multi), "records_with_exact_twin": in_groups,
        "fraction_with_exact_twin": round(frac, 4), "redundant_copies": index.redundant,
        "fraction_redundant": round(index.redundant / n, 4) if n else 0.0,
        "near_duplicates": len(index.near), "per_label_with_twin": dict(per_label.most_common()),
        "groups_spanning_labels": spanning,
    }
    examples = [_show(texts[g[0]], f"x{len(g)} [{', '.join(sorted({labels[i] for i in g}))}] {where[g[0]]}")
                for g in sorted(multi, key=len, reverse=True)[:MAX_EXAMPLES]]
    if not multi and not index.near:
        return Finding("duplicates", "ok", "no exact or near duplicates", metrics=metrics)
    labels_text = ", ".join(f"{k} {v}" for k, v in per_label.most_common(4))
    message = (f"{in_groups} of {n} records ({frac:.1%}) have an exact duplicate ({index.redundant} redundant "
               f"copies in {len(multi)} groups; {labels_text})"
               + (f", {spanning} groups span different labels" if spanning else "")
               + f"; {len(index.near)} near duplicates")
    verdict = "fail" if frac >= 0.05 or near_frac >= 0.1 else "warn" if frac >= 0.005 or near_frac >= 0.01 else "ok"
    remedy = "de-duplicate before splitting (llmsec data prepare removes exact and near duplicates)"
    return Finding("duplicates", verdict, message, remedy if verdict != "ok" else "", metrics, examples)


def split_duplicates_finding(texts: Sequence[str], labels: Sequence[str], train: Sequence[int],
                             test: Sequence[int], how: str, *, near: bool, threshold: float) -> Finding:
    """Test records that duplicate (exactly or nearly) a training record."""
    train_docs = [Example(texts[i], labels[i]) for i in train]
    test_docs = [Example(texts[i], labels[i]) for i in test]
    dups = cross_duplicates(train_docs, test_docs, near=near, threshold=threshold)
    exact = sum(d.kind == "exact" for d in dups)
    other = sum(1 for d in dups if test_docs[d.index].label != train_docs[d.of].label)
    per_label = Counter(test_docs[d.index].label for d in dups)
    frac = len(dups) / len(test) if test else 0.0
    metrics = {"split": how, "n_train": len(train), "n_test": len(test), "test_duplicating_train": len(dups),
               "exact": exact, "near": len(dups) - exact, "fraction": round(frac, 4),
               "other_label": other, "per_label": dict(per_label.most_common())}
    examples = [_show(test_docs[d.index].text, f"test {test[d.index]} = train {train[d.of]} ({d.kind})")
                for d in dups[:MAX_EXAMPLES]]
    if not dups:
        return Finding("split-duplicates", "ok", f"no test record duplicates a training record ({how} split)",
                       metrics=metrics)
    message = (f"{len(dups)} of {len(test)} test records ({frac:.1%}) duplicate a training record under the "
               f"{how} split ({exact} exact, {len(dups) - exact} near"
               + (f"; {other} with another label" if other else "") + ")")
    return Finding("split-duplicates", "fail" if frac >= 0.05 else "warn", message,
                   "remove test records that duplicate training ones (prepare's dedup_across does)",
                   metrics, examples)
