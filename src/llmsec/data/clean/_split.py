"""Leakage-aware train/test splits: random, by group, or by time."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Literal, TypeVar

import numpy as np

from .._records import Example, Record

logger = logging.getLogger(__name__)

R = TypeVar("R", bound=Record)
SplitBy = Literal["random", "group", "time"]


def record_group(record: Record) -> str | None:
    """What must not straddle a split: ``Example.group``, else ``meta["group"]``."""
    group = getattr(record, "group", None)
    if group is None:
        group = getattr(record, "meta", {}).get("group")
    return None if group is None or str(group) == "" else str(group)


def record_time(record: Record) -> str | None:
    """When a record became known: ``Example.time``, else ``meta["time"]``."""
    value = getattr(record, "time", None) or getattr(record, "meta", {}).get("time")
    return None if value is None or str(value).strip() == "" else str(value)


def _label(record: Record) -> str | None:
    return record.label if isinstance(record, Example) else None


def parse_time(value: str) -> datetime:
    """An ISO-8601 date or date-time as an aware UTC datetime (naive values are taken as UTC)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"time {value!r} is not an ISO-8601 date (e.g. 2023-03-17 or 2023-03-17T10:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def split_records(
    records: Sequence[R],
    *,
    by: SplitBy = "random",
    test_size: float = 0.2,
    seed: int = 0,
    stratify: bool = True,
) -> tuple[list[R], list[R]]:
    """Split records into train and test, deterministically for a given seed.

    Args:
        records: canonical records.
        by: ``"random"``; ``"group"`` — every group (:func:`record_group`: project,
            CVE, commit, sender domain) lands wholly on one side, a record without
            a group is a group of its own; ``"time"`` — the latest ``test_size``
            fraction (by :func:`record_time`) is the test set, so the model is
            tested on what came after what it saw.
        test_size: fraction of records for the test set, in (0, 1).
        seed: random seed (unused by time splits, which are fully ordered).
        stratify: keep label proportions similar on both sides where the records
            are Examples and every label has at least two members (random), or
            enough groups (group). Ignored by time splits.

    Returns:
        ``(train, test)``, each in input order.

    Raises:
        ValueError: bad ``by`` / ``test_size``, fewer than two records, or (time
            splits) records without a time or with an unparseable one.
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size}")
    if len(records) < 2:
        raise ValueError(f"need at least 2 records to split, got {len(records)}")
    if by == "random":
        test_idx = _random(records, test_size, seed, stratify)
    elif by == "group":
        test_idx = _by_group(records, test_size, seed, stratify)
    elif by == "time":
        test_idx = _by_time(records, test_size)
    else:
        raise ValueError(f"unknown split {by!r}; use 'random', 'group' or 'time'")
    in_test = np.zeros(len(records), dtype=bool)
    in_test[list(test_idx)] = True
    train = [r for r, t in zip(records, in_test, strict=True) if not t]
    test = [r for r, t in zip(records, in_test, strict=True) if t]
    logger.info("split by %s: %d train, %d test", by, len(train), len(test))
    return train, test


def _labels(records: Sequence[Record]) -> list[str] | None:
    labels = [_label(r) for r in records]
    return None if any(lab is None for lab in labels) else labels  # type: ignore[return-value]


def _n_test(n: int, test_size: float) -> int:
    return min(max(1, round(n * test_size)), n - 1)


def _random(records: Sequence[Record], test_size: float, seed: int, stratify: bool) -> list[int]:
    from sklearn.model_selection import train_test_split

    labels = _labels(records) if stratify else None
    n_test = _n_test(len(records), test_size)
    if labels is not None:
        counts = Counter(labels)
        if min(counts.values()) < 2 or n_test < len(counts) or len(records) - n_test < len(counts):
            logger.warning("not stratifying: a label has fewer than 2 records or the split is too small")
            labels = None
    idx = np.arange(len(records))
    _, test = train_test_split(idx, test_size=n_test, random_state=seed, stratify=labels)
    return sorted(test.tolist())


def _by_group(records: Sequence[Record], test_size: float, seed: int, stratify: bool) -> list[int]:
    from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold

    groups = [record_group(r) or f"\0record-{i}" for i, r in enumerate(records)]
    n_groups = len(set(groups))
    if n_groups < 2:
        raise ValueError(
            f"all {len(records)} records share the group {groups[0]!r}; a group split needs at least 2 groups"
        )
    labels = _labels(records) if stratify else None
    folds = round(1 / test_size)
    idx = np.arange(len(records))
    if labels is not None and len(set(labels)) > 1 and 2 <= folds <= n_groups:
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        # the fold closest in size to the requested test fraction
        target = test_size * len(records)
        best = min(
            (test for _, test in splitter.split(idx, labels, groups)), key=lambda t: abs(len(t) - target)
        )
        return sorted(best.tolist())
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    _, test = next(splitter.split(idx, groups=groups))
    if len(test) == 0 or len(test) == len(records):
        raise ValueError(f"group split of {n_groups} groups left one side empty; lower test_size or add groups")
    return sorted(test.tolist())


def _by_time(records: Sequence[Record], test_size: float) -> list[int]:
    times = [record_time(r) for r in records]
    missing = [i for i, t in enumerate(times) if t is None]
    if missing:
        raise ValueError(
            f"{len(missing)} of {len(records)} records have no time (first at position {missing[0]}); "
            "a time split needs Example.time (or meta['time']) on every record — fill it or split by group"
        )
    moments = [parse_time(t) for t in times]  # type: ignore[arg-type]
    order = sorted(range(len(records)), key=lambda i: (moments[i], i))
    n_test = _n_test(len(records), test_size)
    # Records known at the same moment stay together: every training record is strictly older than
    # every test record, so the test set can grow past test_size by the records tied at the cut.
    cutoff = moments[order[len(records) - n_test]]
    test = [i for i in order if moments[i] >= cutoff]
    if len(test) == len(records):
        raise ValueError(f"every record is as late as the time cut ({cutoff.isoformat()}): nothing is left to "
                         "train on; split by group, or give the records distinct times")
    return sorted(test)


def time_cutoff(test: Sequence[Record]) -> datetime | None:
    """The earliest time in a test set (everything in train is at or before it after a time split)."""
    moments = [parse_time(t) for r in test if (t := record_time(r))]
    return min(moments) if moments else None

