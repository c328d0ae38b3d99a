"""``audit``: find the shortcuts in a dataset before a model does.

On the records of a task (or the source files, loaded and adapted), the audit checks:

- **twins**: identical inputs (after the task's normalisation) with different
  labels, and the accuracy ceiling they imply;
- **duplicates** within the data and **split-duplicates** across a train/test
  split (exact and near, per label);
- **shortcuts**: tiny cross-validated models on trivial feature sets (length,
  character classes, a URL's scheme/``www.``/suffix, an e-mail's headers and
  years, a code file's identifiers, each flow column alone) next to the full
  TF-IDF baseline; a feature set that comes close to the baseline is flagged;
- **markers**: the baseline's top tokens that occur (almost) only in one source;
- **source**: whether the source file/corpus determines the label, whether the
  text tells sources apart, and where a label was held out, whether the model
  sorts it by corpus rather than content;
- **group-leakage**: how many test groups a random split shares with train, and
  the baseline's score under a random versus a grouped split.

Models are fit on a random sample of at most ``probe_cap`` records (stated in
the report); duplicate and group counts use every record.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from .._configs import AuditConfig
from .._load import load_sources
from .._records import Example, Record
from ..clean import record_group, split_records
from ..tasks import Task, record_text
from . import _checks as checks
from ._dups import (
    duplicates_finding,
    index_duplicates,
    split_duplicates_finding,
    twin_text,
    twins_finding,
)
from ._report import AuditReport, Finding

logger = logging.getLogger(__name__)

AuditSplit = Literal["group", "random", "time", "none"]
PROBE_CAP = 20_000


def _is_records(data: Any) -> bool:
    if isinstance(data, str | Path | Mapping | tuple):
        return False
    try:
        first = next(iter(data), None)
    except TypeError:
        return False
    return first is None or isinstance(first, Record)


def _load(config: AuditConfig, notes: list[str]) -> tuple[list[Record], list[str]]:
    task = config.task_obj
    records, ids, loads = load_sources(config.source_list(), task=task, max_samples=config.max_samples)
    for src, _, report in loads:
        if report.task_rejected:
            notes.append(f"{src.name}: {report.task_rejected} records cannot serve task {task.name!r} and were "
                         "not audited")
    return records, ids


def _text(task: Task, record: Record) -> str:
    if isinstance(record, Example) and "pair" in task.views:
        try:
            return task.to_pair(record)[0]
        except ValueError:
            pass
    return record_text(record)


def _where(record: Record, source: str) -> str:
    meta = getattr(record, "meta", {}) or {}
    if meta.get("file"):
        return f"{Path(str(meta['file'])).name}:{meta.get('function', '')}"
    row = meta.get("source_row", meta.get("line"))
    return f"{source}:{row}" if row is not None else source


def audit(
    data: Any = None,
    *,
    test_records: Sequence[Record] | None = None,
    source_ids: Sequence[str] | None = None,
    config: AuditConfig | None = None,
    **settings: Any,
) -> AuditReport:
    """Audit a dataset for conflicting twins, duplicates, shortcuts, corpus markers and group leakage.

    The settings are an :class:`AuditConfig` (given whole as ``config``, or built from the
    keywords), as ``llmsec data audit`` and its YAML build it.

    Args:
        data: canonical records, or sources as :func:`prepare` takes them (a path, a
            ``(path, format[, options])`` tuple, or a list of them), loaded and adapted to ``task``;
            None when ``config`` lists the sources.
        config: every setting below in one checked object (then give no other setting).
        task: a registered task name or a :class:`Task`.
        test_records: a given test set (``data`` is then the training set): the
            split-duplicate and group-leakage checks measure this split.
        split: the split the data will be used with when no test set is given:
            ``group`` (the default remedy), ``random``, ``time``, or ``none``.
            Group leakage is a finding unless the split is ``group``.
        format, options, max_samples: how to read sources (as for :func:`prepare`).
        source_ids: the source/corpus of each record of ``data`` (+ ``test_records``)
            when records are given; loaded sources use their file names.
        probe_cap: fit the probes and the baseline on at most this many records (a random sample).
        folds: cross-validation folds (stratified, grouped by the task's group where records have one).
        test_size: the test fraction of the simulated split.
        near, threshold: also look for near duplicates (MinHash, Jaccard >= threshold).
        seed: seed of the sample, the folds and the simulated split.
        strict: raise :class:`AuditFindingsError` (carrying the report) on a warn or fail finding.

    Returns:
        An :class:`AuditReport` (``summary()``, ``to_dict()``, ``write(dir)``).

    Raises:
        ValueError: an unknown split, no records, or source ids that do not match the records.
        AuditFindingsError: ``strict`` and a finding at warn or fail.
    """
    if config is not None and settings:
        raise ValueError(f"audit got a config and settings {sorted(settings)}: put them in the config")
    if config is None:
        if "near" in settings:
            settings["near_dedup"] = settings.pop("near")
        if settings.get("options") is None:
            settings.pop("options", None)
        given = data if data is not None and not _is_records(data) else []
        config = AuditConfig(sources=given, **settings)
    if data is None or not _is_records(data):
        data = None
    return _run(config, data, test_records, source_ids)


def _run(config: AuditConfig, data: Sequence[Record] | None, test_records: Sequence[Record] | None,
         source_ids: Sequence[str] | None) -> AuditReport:
    started = time.perf_counter()
    task_obj = config.task_obj
    split, probe_cap, folds, test_size = config.split, config.probe_cap, config.folds, config.test_size
    near, threshold, seed, strict = config.near_dedup, config.threshold, config.seed, config.strict
    notes: list[str] = []
    if data is not None:
        records = [task_obj.adapt(r) for r in data]
        ids = list(source_ids) if source_ids is not None else None
    elif config.sources:
        records, ids = _load(config, notes)
    else:
        records, ids = [], None
    n_train = len(records)
    if test_records is not None:
        records += [task_obj.adapt(r) for r in test_records]
    if not records:
        raise ValueError("nothing to audit: no records")
    if ids is not None and len(ids) != len(records):
        raise ValueError(f"{len(ids)} source ids for {len(records)} records; give one per record (train + test)")
    sources = ids if ids is not None else ["(records)"] * len(records)
    texts = [_text(task_obj, r) for r in records]
    labelled = task_obj.kind == "classification" and all(isinstance(r, Example) for r in records)
    labels = [r.label if isinstance(r, Example) else "" for r in records]
    report = AuditReport(
        task=task_obj.name, n_records=len(records),
        labels=dict(Counter(labels).most_common()) if labelled else {},
        sources=dict(Counter(sources).most_common()) if ids is not None else {},
        split="given" if test_records is not None else split, notes=notes,
        settings={"probe_cap": probe_cap, "folds": folds, "test_size": test_size, "near": near,
                  "threshold": threshold, "seed": seed},
    )

    # duplicates and twins, on every record
    keys = [twin_text(t, code=task_obj.code) for t in texts]
    where = [_where(r, s) for r, s in zip(records, sources, strict=True)]
    index = index_duplicates(keys, near=near, threshold=threshold)
    if labelled:
        report.findings.append(twins_finding(index, labels, texts, where))
    else:
        report.findings.append(Finding("twins", "n/a", f"task {task_obj.name!r} is a {task_obj.kind} task"
                                       " without class labels: twins need labels"))
    report.findings.append(duplicates_finding(index, labels, texts, where))

    # the split: given, or simulated
    groups = [record_group(r) for r in records]
    train_idx, test_idx, how = _split(records, n_train, test_records is not None, split, test_size, seed, notes)
    if test_idx:
        report.findings.append(split_duplicates_finding(keys, labels, train_idx, test_idx, how,
                                                        near=near, threshold=threshold))
    else:
        report.findings.append(Finding("split-duplicates", "n/a", "no split audited (split none)"))

    # models: probes, baseline, markers, source, group leakage
    if labelled:
        checks.model_checks(report, task_obj, records, texts, labels, sources if ids is not None else None,
                            groups, train_idx, test_idx, test_given=test_records is not None,
                            probe_cap=probe_cap, folds=folds, seed=seed)
    else:
        reason = f"task {task_obj.name!r} has no class labels ({task_obj.kind}): probes need a classification task"
        for check in ("shortcuts", "markers", "source", "group-leakage"):
            report.findings.append(Finding(check, "n/a", reason))
    report.seconds = round(time.perf_counter() - started, 3)
    logger.info("%s", report.summary())
    if strict:
        report.raise_for_findings("warn")
    return report


def audit_split(train: Sequence[Record], test: Sequence[Record], *, task: str | Task, **kwargs: Any) -> AuditReport:
    """Audit a given train/test split (what the eval layer calls before evaluating)."""
    return audit(train, task=task, test_records=test, **kwargs)


def _split(records: Sequence[Record], n_train: int, given: bool, split: str, test_size: float, seed: int,
           notes: list[str]) -> tuple[list[int], list[int], str]:
    if given:
        return list(range(n_train)), list(range(n_train, len(records))), "given"
    if split == "none" or len(records) < 4:
        if split != "none":
            notes.append(f"only {len(records)} records: no split simulated")
        return list(range(len(records))), [], "none"
    indexed = [Example("", getattr(r, "label", ""), record_group(r), getattr(r, "time", None), {"i": i})
               for i, r in enumerate(records)]
    try:
        train, test = split_records(indexed, by=split, test_size=test_size, seed=seed)  # type: ignore[arg-type]
    except ValueError as exc:
        notes.append(f"the {split} split could not be simulated ({exc}); a random split was audited instead")
        train, test = split_records(indexed, by="random", test_size=test_size, seed=seed)
        split = "random"
    return [r.meta["i"] for r in train], [r.meta["i"] for r in test], split

