"""``prepare``: source files -> clean, de-duplicated, leakage-aware train/test datasets and a report.

The pipeline, in order:

1. **load** every source with its format (loaded + rejected = read, per source);
2. **adapt** each record to the task (:meth:`Task.adapt`); a record that cannot
   serve the task (an NVD CVE without a CVSS vector for ``cvss-predict``) is
   rejected by the task, with its reason;
3. **scrub** secrets and personal data (text fields and string values in meta);
4. **de-duplicate** exact and near duplicates over all records (a near duplicate
   with another label than its twin is a minimal pair, e.g. Juliet's bad/good
   functions, and is kept);
5. **split** by group, time or at random;
6. **de-duplicate across splits**: a test record that duplicates a training one is dropped;
7. **check contamination** between train and test (group overlap must be 0 for a group split);
8. **write** a ``datasets.DatasetDict`` (Arrow, ``save_to_disk``) in the chosen view,
   the canonical records of each split as ``train.jsonl`` / ``test.jsonl``, and
   ``report.json`` / ``report.md``.

Counts reconcile, and :meth:`PrepareReport.reconcile` asserts it::

    read = loaded + rejected                                   (per source and in total)
    loaded = task_rejected + exact + near + cross_split + train + test
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Literal

from ._configs import PrepareConfig
from ._load import Source as Source  # re-exported: prepare's sources
from ._load import SourceLike, load_sources
from ._prepare_report import MAX_EXAMPLES, PrepareReport, SourceReport
from ._records import Conversation, Example, Record, record_to_dict
from ._report import EmptyDatasetError
from .clean import check_contamination, dedup_across, record_group, scrub_records, split_records
from .clean import dedup as dedup_records
from .clean import scrub as scrub_text
from .tasks import Task, View

logger = logging.getLogger(__name__)

SplitName = Literal["group", "time", "random"]
_OUTPUTS = ("dataset_dict.json", "train", "test", "train.jsonl", "test.jsonl", "report.json", "report.md",
            "audit.json", "audit.md", "audit.png")


_MIN_SECRET = 5  # shorter than any e-mail address, IP address, key or token the scrubber replaces


class _MetaScrubber:
    """Scrubs the string values inside meta, each distinct string once."""

    def __init__(self, ips: bool) -> None:
        self.ips = ips
        self.counts: Counter[str] = Counter()
        self._seen: dict[str, tuple[str, Counter[str]]] = {}

    def __call__(self, value: Any, found: Counter[str]) -> Any:
        if isinstance(value, str):
            if len(value) < _MIN_SECRET:
                return value
            hit = self._seen.get(value)
            if hit is None:
                hit = scrub_text(value, ips=self.ips)
                self._seen[value] = hit
            found.update(hit[1])
            return hit[0]
        if isinstance(value, list | tuple):
            return type(value)(self(v, found) for v in value)
        if isinstance(value, dict):
            return {k: self(v, found) for k, v in value.items()}
        return value

    def records(self, records: list[Record]) -> list[Record]:
        """Every record with its meta scrubbed (the group, already set, is left as it is)."""
        out = []
        for record in records:
            found: Counter[str] = Counter()
            meta = self(record.meta, found)
            out.append(replace(record, meta=meta) if found else record)
            self.counts.update(found)
        return out


def _label(record: Record) -> str | None:
    if isinstance(record, Example):
        return record.label
    return getattr(record, "answer", None)


def _rows(task: Task, records: Sequence[Record], view: View, label_names: list[str]) -> dict[str, list[Any]]:
    if view == "corpus":
        return {"text": [task.to_text(r) for r in records]}
    if view == "conversation":
        return {"messages": [task.to_conversation(r).as_chat() for r in records]}
    texts, labels = [], []
    for r in records:
        text, label = task.to_pair(r)
        texts.append(text)
        labels.append(label)
    cols: dict[str, list[Any]] = {"text": texts, "label": labels}
    if task.kind == "classification":
        index = {name: i for i, name in enumerate(label_names)}
        cols["label_id"] = [index[lab] for lab in labels]
    cols["group"] = [record_group(r) for r in records]
    cols["time"] = [getattr(r, "time", None) for r in records]
    return cols


def _can_stratify(task: Task, records: Sequence[Record], test_size: float) -> bool:
    """Stratify classification splits whose largest class fills every fold; never generation tasks."""
    if task.kind not in ("classification", "multiple-choice"):
        return False
    counts = Counter(_label(r) for r in records)
    return bool(counts) and max(counts.values()) >= max(2, round(1 / test_size))


def _clear_outputs(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ValueError(f"output {out} is a file; give a directory for --out")
    if out.is_dir():
        foreign = [p.name for p in out.iterdir() if p.name not in _OUTPUTS]
        if foreign:
            raise ValueError(
                f"output directory {out} holds other files ({', '.join(sorted(foreign)[:5])}); "
                "give an empty or new directory, or one an earlier prepare wrote"
            )
        for name in _OUTPUTS:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _as_json(record: Record) -> str:
    if isinstance(record, Conversation):
        data = record_to_dict(record)
    else:  # shallow: asdict would deep-copy every meta
        data = {f.name: getattr(record, f.name) for f in fields(record)}
    return json.dumps(data, ensure_ascii=False, default=str)


def _write_jsonl(path: Path, records: Iterable[Record]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(_as_json(record) + "\n")


def _save_dataset(out: Path, columns: Mapping[str, dict[str, list[Any]]]) -> None:
    """Save the splits as a ``datasets.DatasetDict`` (Arrow) without progress bars."""
    from datasets import Dataset, DatasetDict
    from datasets.utils import logging as ds_logging

    enabled = ds_logging.is_progress_bar_enabled()
    ds_logging.disable_progress_bar()
    try:
        DatasetDict({name: Dataset.from_dict(cols) for name, cols in columns.items()}).save_to_disk(str(out))
    finally:
        if enabled:
            ds_logging.enable_progress_bar()


def prepare(source: PrepareConfig | SourceLike | Sequence[SourceLike], **settings: Any) -> PrepareReport:
    """Turn source files into a clean train/test dataset for ``task`` and report every count.

    ``prepare(PrepareConfig(...))`` and the keyword form are the same call: the keywords
    build a :class:`PrepareConfig` (what ``llmsec data prepare`` and its ``--config`` YAML
    build too), so every setting is checked in one place.

    Args:
        source: a :class:`PrepareConfig` (then no other argument), or a path, a
            ``(path, format[, options])`` tuple, or a list of them (several sources are
            concatenated, e.g. PhishTank phishing URLs + a benign list).
        task: a registered task name (``llmsec data tasks``) or a :class:`Task`.
        out: the output directory (created; an earlier prepare's output there is replaced).
        format: the format of sources that do not name one (default: ``jsonl`` for
            ``.jsonl`` files, else the task's default format).
        split: ``group`` (no group on both sides: the task's group key), ``time``
            (the latest records are the test set), ``random``, or None (everything in ``train``).
        test_size: the test fraction.
        dedup: remove exact duplicates (and near ones with ``near_dedup``), within
            the whole set and then test records that duplicate training ones.
        near_dedup: also remove near duplicates (MinHash, Jaccard >= ``threshold``).
        scrub: replace secrets and personal data with typed placeholders (text and meta).
        scrub_ips: also replace IP addresses.
        seed: the split's random seed.
        max_samples: read at most this many records from each source.
        view: ``pair`` (text, label), ``conversation`` (messages) or ``corpus`` (text).
        options: loader options for every source (a tuple's own options win).
        threshold: the near-duplicate similarity threshold.
        audit: audit the scrubbed records before de-duplication (:func:`llmsec.data.audit`:
            twins, duplicates, shortcut probes, corpus markers, group leakage); its verdicts go
            into the report and ``audit.json`` / ``audit.md`` / ``audit.png`` into ``out``.

    Returns:
        The :class:`PrepareReport` (also written as ``report.json`` and ``report.md``).

    Raises:
        ValueError: bad settings (a pydantic ValidationError lists every bad one at once: unknown
            format/view/split, a test size outside (0, 1)...), an option the format lacks, a time
            split over records without times.
        KeyError: an unknown task (with the valid names).
        EmptyDatasetError: nothing usable was left.
    """
    if isinstance(source, PrepareConfig):
        if settings:
            raise ValueError(f"prepare got a PrepareConfig and settings {sorted(settings)}: put them in the config")
        config = source
    else:
        if settings.get("options") is None:
            settings.pop("options", None)
        config = PrepareConfig(sources=source, **settings)
    return run_prepare(config)


def run_prepare(config: PrepareConfig) -> PrepareReport:
    """:func:`prepare` with its settings in one checked object."""
    started = time.perf_counter()
    task_obj = config.task_obj
    split, test_size, view, seed = config.split, config.test_size, config.view, config.seed
    dedup, near_dedup, threshold = config.dedup, config.near_dedup, config.threshold
    scrub, scrub_ips, max_samples, audit = config.scrub, config.scrub_ips, config.max_samples, config.audit
    sources = config.source_list()
    out = Path(config.out)
    report = PrepareReport(
        task=task_obj.name, view=view, split=split, test_size=test_size, seed=seed, out=str(out),
        task_kind=task_obj.kind,
        settings={"dedup": dedup, "near_dedup": near_dedup, "threshold": threshold, "scrub": scrub,
                  "scrub_ips": scrub_ips, "max_samples": max_samples, "code_dedup": task_obj.code},
    )

    # 1-2. load and adapt (one path for every reader: llmsec.data._load)
    records, record_sources, loads = load_sources(sources, task=task_obj, max_samples=max_samples)
    task_reasons: Counter[str] = Counter()
    for src, fmt, load_report in loads:
        by_format = [r for r in load_report.rejections if r.by != "task"]
        by_task = [r for r in load_report.rejections if r.by == "task"]
        task_reasons.update(r.reason for r in by_task)
        room = MAX_EXAMPLES - len(report.task_examples)
        report.task_examples += [str(r) for r in by_task[:max(room, 0)]]
        report.sources.append(SourceReport(
            source=str(src.path), format=fmt, options={k: str(v) for k, v in src.options.items()},
            read=load_report.read, loaded=load_report.loaded + len(by_task), rejected=len(by_format),
            reasons=dict(Counter(r.reason for r in by_format).most_common()),
            examples=[str(r) for r in by_format[:MAX_EXAMPLES]], task_rejected=len(by_task),
            lines=load_report.lines,
        ))
    report.read = sum(s.read for s in report.sources)
    report.loaded = sum(s.loaded for s in report.sources)
    report.rejected = sum(s.rejected for s in report.sources)
    report.task_rejected = sum(task_reasons.values())
    report.task_reasons = dict(task_reasons.most_common())
    if not records:
        reasons = ", ".join(f"{r} ({n})" for r, n in task_reasons.most_common(5))
        raise EmptyDatasetError(
            f"no record of {[str(s.path) for s in sources]} can serve task {task_obj.name!r}"
            + (f": {reasons}" if reasons else "")
        )

    # 3. scrub
    if scrub:
        records, scrub_report = scrub_records(records, ips=scrub_ips)
        meta_scrubber = _MetaScrubber(scrub_ips)
        records = meta_scrubber.records(records)
        meta_counts = meta_scrubber.counts
        report.scrubbed = dict(sorted(scrub_report.counts.items()))
        report.scrubbed_records = scrub_report.changed
        report.scrubbed_meta = dict(sorted(meta_counts.items()))

    # 3b. audit what the model would see, before de-duplication removes the evidence
    audit_report = None
    if audit:
        from .audit import audit as run_audit

        audit_report = run_audit(records, task=task_obj, split=split or "none", source_ids=record_sources,
                                 seed=seed, test_size=test_size, near=near_dedup, threshold=threshold)
        report.audit = audit_report.compact()

    # 4. de-duplicate the whole set
    if dedup:
        result = dedup_records(records, near=near_dedup, threshold=threshold, code=task_obj.code)
        # A near duplicate with another label is a minimal pair (Juliet bad/good, PrimeVul
        # vulnerable/patched), not the same item twice: keep it; its group keeps it beside its twin.
        pairs = {
            d.index for d in result.removed
            if d.kind == "near" and _label(records[d.index]) != _label(records[d.of])
        }
        removed = [d for d in result.removed if d.index not in pairs]
        report.duplicates.update(
            exact=sum(d.kind == "exact" for d in removed), near=sum(d.kind == "near" for d in removed),
            label_conflicts=len(result.conflicts), near_pairs_kept=len(pairs),
        )
        keep = sorted(set(result.kept_indices) | pairs)
        records = [records[i] for i in keep]

    # 5-7. split, de-duplicate across, check contamination
    if split is None:
        train, test = records, []
    else:
        train, test = split_records(records, by=split, test_size=test_size, seed=seed,
                                    stratify=_can_stratify(task_obj, records, test_size))
        if dedup and test:
            across = dedup_across(train, test, drop="test", near=near_dedup, threshold=threshold, code=task_obj.code)
            report.duplicates["cross_split"] = len(across.removed)
            report.duplicates["label_conflicts"] += len(across.conflicts)
            test = across.kept
        if not test:
            raise EmptyDatasetError(
                f"the {split} split left no test records ({len(train)} train); lower --test-size or add data"
            )
        fraction = len(test) / (len(train) + len(test))
        if not test_size / 2 <= fraction <= min(0.95, 2 * test_size):
            n_groups = len({record_group(r) for r in records})
            report.warnings.append(
                f"the {split} split put {fraction:.1%} of the records in test (asked {test_size:.0%})"
                + (f": only {n_groups} groups; use --split random or time, or a finer group"
                   if split == "group" else "")
            )
            logger.warning(report.warnings[-1])
        check = check_contamination(train, test, near=near_dedup, threshold=threshold, code=task_obj.code)
        report.group_overlap = len(check.shared_groups)
        report.contamination = {
            "n_train": check.n_train, "n_test": check.n_test, "contaminated": len(check.contaminated),
            "fraction": check.fraction, "exact": len(check.exact), "near": len(check.near),
            "shared_groups": len(check.shared_groups), "group_overlap": len(check.group_overlap),
            "shared_group_examples": check.shared_groups[:MAX_EXAMPLES],
            "examples": check.to_dict()["examples"][:MAX_EXAMPLES],
        }
    splits = {"train": train, "test": test} if split is not None else {"train": train}
    report.kept = {name: len(recs) for name, recs in splits.items()}
    report.labels = {
        name: dict(Counter(lab for r in recs if (lab := _label(r)) is not None).most_common())
        for name, recs in splits.items()
    }
    report.unlabelled = {name: sum(_label(r) is None for r in recs) for name, recs in splits.items()}
    if task_obj.kind == "classification":
        seen = {lab for counts in report.labels.values() for lab in counts}
        report.label_names = list(task_obj.labels) or sorted(seen)
    report.reconcile()

    # 8. write
    _clear_outputs(out)
    _save_dataset(out, {name: _rows(task_obj, recs, view, report.label_names) for name, recs in splits.items()})
    report.files = ["dataset_dict.json", *splits]
    for name, recs in splits.items():
        _write_jsonl(out / f"{name}.jsonl", recs)
        report.files.append(f"{name}.jsonl")
    if audit_report is not None:
        report.files += [p.name for p in audit_report.write(out)]
    report.files += ["report.json", "report.md"]
    report.seconds = round(time.perf_counter() - started, 3)
    (out / "report.json").write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n",
                                     encoding="utf-8")
    (out / "report.md").write_text(report.to_markdown(), encoding="utf-8")
    logger.info("prepare %s: %s", task_obj.name, report.summary().replace("\n", "; "))
    return report
