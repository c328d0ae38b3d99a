"""The audit's model-based checks: shortcut probes, corpus markers, the source probe, group leakage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._records import Example, Record
from ..clean import split_records
from ..tasks import Task
from ._features import detect_family, source_features, trivial_features
from ._probes import (
    MODEL_NAMES,
    NotFittable,
    Splits,
    Target,
    Tfidf,
    baseline_model,
    fit_features,
    make_splits,
    make_target,
    out_of_fold,
    source_markers,
    tfidf,
    top_features,
)
from ._report import AuditReport, Finding, ProbeResult, Verdict

CLOSE = 0.9  # a probe at >= 90% of the baseline's score is flagged
ABS_BAR = 0.9  # ... and so is one at >= 0.9 whatever the baseline
TELL = 0.5  # a probe with >= half the baseline's gain over chance is a strong tell
MIN_LIFT = 0.1  # a probe must beat chance by this much to be flagged at all
SHOW_COLUMNS = 5  # flow columns shown (best first)
BASELINE_VIEW = "TF-IDF of char 3-4 (within words, first 1000 characters) + word 1-2 n-grams (first 2000)"


@dataclass
class _Sample:
    idx: np.ndarray
    records: list[Example]
    texts: list[str]
    target: Target
    groups: list[str] | None  # CV groups (a record without a group is its own)
    sources: list[str] | None
    splits: Splits
    feats: Tfidf | None = None


def probe_verdict(score: float, base: float | None, chance: float) -> tuple[Verdict, str]:
    """``fail`` when a trivial feature set comes close to the baseline, ``warn`` for a strong tell, else ``ok``."""
    if score - chance < MIN_LIFT:
        return "ok", "near chance"
    if score >= ABS_BAR:
        return "fail", f"above the absolute bar {ABS_BAR}"
    if base is None:
        return "ok", "no baseline to compare with"
    if score >= CLOSE * base:
        return "fail", f"{score / base:.0%} of the baseline's score"
    gain = (score - chance) / (base - chance) if base - chance > 0.05 else 0.0
    if gain >= TELL:
        return "warn", f"a strong tell: {gain:.0%} of the baseline's gain over chance"
    return "ok", f"{gain:.0%} of the baseline's gain over chance"


def model_checks(report: AuditReport, task: Task, records: Sequence[Record], texts: Sequence[str],
                 labels: Sequence[str], sources: Sequence[str] | None, groups: Sequence[str | None],
                 train_idx: Sequence[int], test_idx: Sequence[int], *, test_given: bool, probe_cap: int,
                 folds: int, seed: int) -> None:
    """Fit the probes and the baseline on a sample and append the model-based findings to ``report``."""
    try:
        sample = _sample(report, task, records, texts, labels, sources, groups, probe_cap, folds, seed)
    except NotFittable as exc:
        for check in ("shortcuts", "markers", "source", "group-leakage"):
            report.findings.append(Finding(check, "n/a", f"no model can be fit: {exc}"))
        return
    target = sample.target
    report.chance = round(target.chance(), 4)
    sample.feats = tfidf(sample.texts)
    base = target.score(out_of_fold(baseline_model(target), sample.feats.X, target.y, sample.splits))
    top = top_features(sample.feats, target, per_class=25)
    cv = "grouped" if sample.groups is not None else "stratified"
    baseline = ProbeResult("baseline", BASELINE_VIEW, "logistic regression (SGD)", round(base, 4),
                           [f"{sample.feats.names[j]} -> {lab} ({w:.2f})" for j, lab, w in top[:12]],
                           "ok", f"{folds}-fold {cv} cross-validation")
    probes = _probes(sample, task, base, report.chance, seed)
    report.probes = [baseline, *probes]
    report.findings.append(_shortcuts(probes, baseline, report.chance, cv, target.metric))
    report.findings.append(_markers(sample, top))
    report.findings.append(_source(sample, report, base, seed, folds))
    report.findings.append(_group_leakage(sample, report, task, labels, groups, train_idx, test_idx, base,
                                          test_given, folds, seed))


def _sample(report: AuditReport, task: Task, records: Sequence[Record], texts: Sequence[str],
            labels: Sequence[str], sources: Sequence[str] | None, groups: Sequence[str | None],
            cap: int, folds: int, seed: int) -> _Sample:
    n = len(records)
    idx = np.arange(n)
    if n > cap:
        idx = np.sort(np.random.default_rng(seed).choice(n, cap, replace=False))
        report.notes.append(f"the probes and the baseline were fit on a random sample of {cap} of {n} records "
                            f"(cap {cap}); duplicate, twin and group counts use all {n}")
    counts = Counter(labels[i] for i in idx)
    rare = sorted(lab for lab, c in counts.items() if c < folds)
    if rare and len(counts) - len(rare) >= 2:
        idx = np.array([i for i in idx if labels[i] not in rare])
        report.notes.append(f"labels with fewer than {folds} records left out of the probes: {rare[:10]}")
    report.sample = {"used": len(idx), "of": n, "cap": cap}
    target = make_target([labels[i] for i in idx], task.labels)
    report.metric = f"f1 ({target.names[target.pos]})" if target.pos is not None else "f1_macro"
    sample_groups = [groups[i] for i in idx]
    named = [g for g in sample_groups if g is not None]
    grouped = bool(named) and len(set(named)) < len(named)
    cv_groups = [g if g is not None else f"\0record-{i}" for g, i in zip(sample_groups, idx, strict=True)]
    splits = make_splits(target.y, cv_groups if grouped else None, folds, seed)
    return _Sample(idx, [records[i] for i in idx], [texts[i] for i in idx],  # type: ignore[misc]
                   target, cv_groups if grouped else None,
                   [sources[i] for i in idx] if sources is not None else None, splits)


def _probes(sample: _Sample, task: Task, base: float, chance: float, seed: int) -> list[ProbeResult]:
    family = detect_family(task.name, task.code, sample.records)
    fsets = trivial_features(family, sample.records, sample.texts)
    if sample.sources is not None and len(set(sample.sources)) > 1:
        fsets.append(source_features(sample.sources))
    results, columns = [], []
    for fset in fsets:
        try:
            score, features, tells = fit_features(fset, sample.target, sample.splits, seed)
        except NotFittable as exc:
            results.append(ProbeResult(fset.name, fset.description, MODEL_NAMES[fset.model], None,
                                       verdict="n/a", reason=str(exc)))
            continue
        verdict, reason = probe_verdict(score, base, chance)
        if tells and verdict == "ok":
            verdict, reason = "warn", "exclusive tell: " + "; ".join(tells)
        result = ProbeResult(fset.name, fset.description, MODEL_NAMES[fset.model], round(score, 4),
                             tells + features, verdict, reason)
        (columns if fset.column else results).append(result)
    columns.sort(key=lambda p: -(p.score or 0.0))
    if columns:
        shown = columns[:SHOW_COLUMNS]
        shown[-1].reason += f" ({len(columns)} columns probed one at a time; the best {len(shown)} shown)"
        results += shown
    return sorted(results, key=lambda p: -(p.score if p.score is not None else -1.0))


def _shortcuts(probes: list[ProbeResult], baseline: ProbeResult, chance: float, cv: str,
               metric: str) -> Finding:
    trivial = [p for p in probes if p.name != "source-id" and p.score is not None]
    flagged = [p for p in trivial if p.verdict == "fail"]
    tells = [p for p in trivial if p.verdict == "warn"]
    head = f"baseline {metric} {baseline.score:.3f} ({cv} CV, chance {chance:.3f})"
    metrics = {"baseline": baseline.score, "chance": chance,
               "probes": {p.name: p.score for p in probes}, "flagged": [p.name for p in flagged],
               "tells": [p.name for p in tells]}
    examples = [f"{p.name}: {f}" for p in flagged + tells for f in p.features[:2]]
    examples += [f"baseline: {f}" for f in baseline.features[:6]]
    if not trivial:
        return Finding("shortcuts", "n/a", f"{head}; no trivial feature set could be fit", metrics=metrics)
    if flagged:
        listed = ", ".join(f"{p.name} {p.score:.3f}" for p in flagged[:5])
        more = f"; strong tells: {', '.join(f'{p.name} {p.score:.3f}' for p in tells[:4])}" if tells else ""
        return Finding("shortcuts", "fail", f"{head}; trivial feature sets close to it: {listed}{more}",
                       "remove or neutralise the feature the flagged feature set reads (or sample so it carries no "
                       "label information), and report the baseline next to the model", metrics, examples)
    if tells:
        listed = ", ".join(f"{p.name} {p.score:.3f}" for p in tells[:5])
        return Finding("shortcuts", "warn", f"{head}; strong tells: {listed}",
                       "check that the tell is real signal, not an artefact of how each class was collected",
                       metrics, examples)
    best = trivial[0]
    return Finding("shortcuts", "ok", f"{head}; no trivial feature set comes close (best {best.name} {best.score:.3f})",
                   metrics=metrics, examples=examples)


def _codes(values: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    names = sorted(set(values))
    index = {v: i for i, v in enumerate(names)}
    return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values)), names


def _markers(sample: _Sample, top: list[tuple[int, str, float]]) -> Finding:
    assert sample.feats is not None
    listed = [f"{sample.feats.names[j]} -> {lab} ({w:.2f})" for j, lab, w in top[:10]]
    if sample.sources is None or len(set(sample.sources)) < 2:
        return Finding("markers", "n/a", "one source: no corpus to tell apart (the baseline's top features are "
                       "listed for review)", metrics={"top_features": listed}, examples=listed[:6])
    codes, names = _codes(sample.sources)
    found = source_markers(sample.feats, top, codes, names)
    metrics = {"top_features": listed, "markers": found}
    if not found:
        return Finding("markers", "ok", "none of the baseline's top tokens is confined to one source",
                       metrics=metrics, examples=listed[:6])
    shown = ", ".join(f"{m['feature']} ({m['source']} {m['rate']:.0%}, elsewhere {m['elsewhere']:.1%})"
                      for m in found[:5])
    return Finding("markers", "warn",
                   f"{len(found)} of the baseline's top tokens occur (almost) only in one source: {shown}",
                   "strip corpus markers (mailbox owners' addresses, corpus names, boilerplate) or scrub them "
                   "into placeholders, and take the classes from the same collection",
                   metrics, [f"{m['feature']} -> {m['label']}: {m['source']} {m['rate']:.0%}" for m in found[:8]])


def _source(sample: _Sample, report: AuditReport, base: float, seed: int, folds: int) -> Finding:
    if sample.sources is None:
        return Finding("source", "n/a", "no source ids: audit the source files, or pass source_ids=")
    if len(set(sample.sources)) < 2:
        return Finding("source", "n/a", f"one source ({sample.sources[0]}): nothing to compare")
    assert sample.feats is not None
    y, label_names = sample.target.y, sample.target.names
    codes, names = _codes(sample.sources)
    # how far the source alone determines the label
    purity = sum(Counter(y[codes == k]).most_common(1)[0][1] for k in range(len(names))) / len(y)
    confounded = []
    for lab in range(len(label_names)):
        homes = set(codes[y == lab].tolist())
        if len(homes) == 1:
            home = homes.pop()
            share = float((y[codes == home] == lab).mean())
            if share >= 0.95:
                confounded.append(f"{label_names[lab]} = {names[home]}")
    source_probe = next((p for p in report.probes if p.name == "source-id"), None)
    # how well the text tells the sources apart
    src_target = Target(codes, names, "f1_macro", None)
    try:
        splits = make_splits(codes, sample.groups, folds, seed)
        src_pred = out_of_fold(baseline_model(src_target), sample.feats.X, codes, splits)
        separable: float | None = src_target.score(src_pred)
        per_label = {label_names[lab]: round(float((src_pred[y == lab] == codes[y == lab]).mean()), 3)
                     for lab in range(len(label_names))}
    except NotFittable:
        separable, per_label = None, {}
    within = _within_label(sample, codes, names, folds, seed)
    held_out = _held_out(sample, codes, names)
    follows = [h for h in held_out if h["own_corpus_rate"] >= 0.9]
    metrics = {"purity": round(purity, 4), "confounded_labels": confounded,
               "source_only_score": source_probe.score if source_probe else None,
               "text_separates_sources": None if separable is None else round(separable, 4),
               "sources_recognised_per_label": per_label, "within_label": within, "held_out_labels": held_out}
    parts = [f"source alone predicts the label with {report.metric} "
             f"{source_probe.score:.3f}" if source_probe and source_probe.score is not None else
             "source-only probe not fit", f"purity {purity:.2f}"]
    if confounded:
        parts.append(f"labels confined to one source: {', '.join(confounded)}")
    if separable is not None:
        parts.append(f"the text tells the sources apart (F1 {separable:.3f}"
                     + (", incl. " + ", ".join(f"{k} {v:.0%}" for k, v in per_label.items()) if per_label else "")
                     + ")")
    for h in held_out:
        parts.append(f"held-out {h['label']} ({h['source']}): {h['own_corpus_rate']:.0%} predicted as its own "
                     f"corpus's label(s) {h['own']}")
    for w in within:
        parts.append(f"within {w['label']}: sources separable F1 {w['score']:.3f}")
    message = "; ".join(parts)
    separates = separable is not None and separable >= 0.95
    if separates and (confounded or follows):
        verdict: Verdict = "fail"
    elif confounded or follows or any(w["score"] >= 0.9 for w in within):
        verdict = "warn"
    else:
        verdict = "ok"
    remedy = ("the model can score by recognising the corpus: take every class from the same collection, "
              "strip corpus markers, and test on a corpus not seen in training") if verdict != "ok" else ""
    return Finding("source", verdict, message, remedy, metrics)


def _within_label(sample: _Sample, codes: np.ndarray, names: list[str], folds: int, seed: int) -> list[dict]:
    assert sample.feats is not None
    out = []
    y = sample.target.y
    for lab, label in enumerate(sample.target.names):
        rows = np.flatnonzero(y == lab)
        present = Counter(codes[rows].tolist())
        if len([k for k, c in present.items() if c >= folds]) < 2:
            continue
        sub, sub_names = _codes([names[k] for k in codes[rows]])
        try:
            groups = [sample.groups[i] for i in rows] if sample.groups is not None else None
            splits = make_splits(sub, groups, folds, seed)
        except NotFittable:
            continue
        t = Target(sub, sub_names, "f1_macro", None)
        pred = out_of_fold(baseline_model(t), sample.feats.X[rows], sub, splits)
        out.append({"label": label, "sources": sub_names, "score": round(t.score(pred), 4)})
    return out


def _held_out(sample: _Sample, codes: np.ndarray, names: list[str]) -> list[dict[str, Any]]:
    """Hold out a label that only one source has (which also has other labels); train on the rest;
    see whether the held-out rows are sorted into their own corpus's labels."""
    assert sample.feats is not None
    y, label_names = sample.target.y, sample.target.names
    out = []
    for lab, label in enumerate(label_names):
        homes = set(codes[y == lab].tolist())
        if len(homes) != 1:
            continue
        home = homes.pop()
        own = set(y[(codes == home) & (y != lab)].tolist())
        others = set(y[codes != home].tolist()) - own - {lab}
        if not own or not others:
            continue
        train = np.flatnonzero(y != lab)
        held = np.flatnonzero(y == lab)
        t = make_target([label_names[k] for k in y[train]], label_names)
        model = baseline_model(t)().fit(sample.feats.X[train], t.y)
        pred = [t.names[k] for k in model.predict(sample.feats.X[held])]
        own_names = sorted(label_names[k] for k in own)
        rate = sum(p in own_names for p in pred) / len(pred)
        out.append({"label": label, "source": names[home], "own": own_names,
                    "own_corpus_rate": round(rate, 4), "predicted": dict(Counter(pred).most_common())})
    return out


def _group_leakage(sample: _Sample, report: AuditReport, task: Task, labels: Sequence[str],
                   groups: Sequence[str | None], train_idx: Sequence[int], test_idx: Sequence[int], base: float,
                   test_given: bool, folds: int, seed: int) -> Finding:
    named = [g for g in groups if g is not None]
    key = f"group key: {task.group_key}"
    if not named:
        return Finding("group-leakage", "n/a", f"no natural group in these records ({key}); a grouped split "
                       "is not possible, so duplicates are the leakage to watch")
    if len(set(named)) == len(named):
        return Finding("group-leakage", "n/a", f"every record is its own group ({key}): nothing can leak by group")
    if test_given:
        tr, te = list(train_idx), list(test_idx)
        how = "given"
    else:
        indexed = [Example("", labels[i], groups[i], None, {"i": i}) for i in range(len(groups))]
        a, b = split_records(indexed, by="random", test_size=report.settings["test_size"], seed=seed)
        tr, te = [r.meta["i"] for r in a], [r.meta["i"] for r in b]
        how = "random"
    train_groups = {groups[i] for i in tr if groups[i] is not None}
    test_groups = {groups[i] for i in te if groups[i] is not None}
    shared = train_groups & test_groups
    in_shared = sum(1 for i in te if groups[i] in shared)
    frac = in_shared / len(te) if te else 0.0
    metrics: dict[str, Any] = {"split": how, "groups": len(set(named)), "test_groups": len(test_groups),
                               "shared_groups": len(shared), "test_records_in_shared_groups": in_shared,
                               "fraction": round(frac, 4), "grouped_cv_score": round(base, 4)}
    assert sample.feats is not None
    try:
        rand = out_of_fold(baseline_model(sample.target), sample.feats.X, sample.target.y,
                           make_splits(sample.target.y, None, folds, seed))
        random_score = sample.target.score(rand)
    except NotFittable:
        random_score = None
    metrics["random_cv_score"] = None if random_score is None else round(random_score, 4)
    drop = None if random_score is None else random_score - base
    metrics["drop"] = None if drop is None else round(drop, 4)
    scores = (f"; baseline {report.metric} {random_score:.3f} with random folds vs {base:.3f} grouped "
              f"(drop {drop:.3f})" if drop is not None else "")
    message = (f"{len(shared)} of {len(test_groups)} test groups ({in_shared} of {len(te)} test records, "
               f"{frac:.0%}) also occur in train under the {how} split{scores}")
    remedy = f"split by group (--split group; {key})"
    if not test_given and report.split == "group":
        return Finding("group-leakage", "ok", message + "; the audited group split keeps groups apart",
                       metrics=metrics)
    big = drop is not None and drop >= 0.05
    verdict: Verdict = "fail" if big else "warn" if (drop or 0) >= 0.02 or frac >= 0.3 else "ok"
    return Finding("group-leakage", verdict, message, remedy if verdict != "ok" else "", metrics)
