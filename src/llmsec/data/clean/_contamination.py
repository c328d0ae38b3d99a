"""How much of a test set the training set has already seen, and whether that training set is still the one."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._records import Record
from .._tasks import record_text
from ._dedup import Duplicate, cross_duplicates
from ._split import record_group

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OverlapPair:
    """One test record that overlaps a training record."""

    test_index: int
    train_index: int
    kind: str
    similarity: float
    test_text: str
    train_text: str


@dataclass
class ContaminationReport:
    """Overlap between a training and a test set.

    Attributes:
        n_train, n_test: set sizes.
        exact: test records whose normalised text equals a training record's.
        near: test records that are near duplicates (MinHash) of a training record.
        shared_groups: groups present on both sides (a group split prevents them).
        group_overlap: test records whose group also occurs in training.
        examples: a few overlapping pairs, for a reader to judge.
    """

    n_train: int
    n_test: int
    exact: list[Duplicate] = field(default_factory=list)
    near: list[Duplicate] = field(default_factory=list)
    shared_groups: list[str] = field(default_factory=list)
    group_overlap: list[int] = field(default_factory=list)
    examples: list[OverlapPair] = field(default_factory=list)

    @property
    def contaminated(self) -> list[int]:
        """Positions of test records that duplicate training data or share a group with it."""
        return sorted({d.index for d in self.exact} | {d.index for d in self.near} | set(self.group_overlap))

    @property
    def fraction(self) -> float:
        """Share of the test set that is contaminated (0.0 for an empty test set)."""
        return len(self.contaminated) / self.n_test if self.n_test else 0.0

    @property
    def clean(self) -> bool:
        """True when no test record overlaps the training set."""
        return not self.contaminated

    def summary(self) -> str:
        """A short human-readable account."""
        lines = [
            f"contamination: {len(self.contaminated)} of {self.n_test} test records "
            f"({self.fraction:.1%}) overlap {self.n_train} training records",
            f"  exact duplicates: {len(self.exact)}",
            f"  near duplicates:  {len(self.near)}",
            f"  shared groups:    {len(self.shared_groups)} ({len(self.group_overlap)} test records)",
        ]
        if self.shared_groups:
            shown = ", ".join(self.shared_groups[:5])
            more = f" (+{len(self.shared_groups) - 5} more)" if len(self.shared_groups) > 5 else ""
            lines.append(f"    e.g. {shown}{more}")
        for pair in self.examples[:3]:
            lines.append(
                f"  test[{pair.test_index}] ~ train[{pair.train_index}] ({pair.kind}, {pair.similarity:.2f}): "
                f"{_clip(pair.test_text)!r}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (counts, fraction, indices, shared groups and example pairs)."""
        return {
            "n_train": self.n_train,
            "n_test": self.n_test,
            "contaminated": len(self.contaminated),
            "fraction": self.fraction,
            "exact": [[d.index, d.of] for d in self.exact],
            "near": [[d.index, d.of, round(d.similarity, 4)] for d in self.near],
            "shared_groups": list(self.shared_groups),
            "group_overlap": list(self.group_overlap),
            "examples": [
                {
                    "test_index": p.test_index,
                    "train_index": p.train_index,
                    "kind": p.kind,
                    "similarity": round(p.similarity, 4),
                    "test_text": _clip(p.test_text),
                    "train_text": _clip(p.train_text),
                }
                for p in self.examples
            ],
        }


SourceStatus = Literal["ok", "missing", "changed", "unrecorded", "unreadable"]


@dataclass(frozen=True)
class SourceCheck:
    """Whether a training source is still what a checkpoint was trained on.

    Attributes:
        source: the path (or ``builtin:`` name) the manifest records.
        status: ``ok`` (present, same fingerprint), ``missing`` (nothing at that path),
            ``changed`` (its fingerprint differs from the recorded one), ``unrecorded``
            (the manifest holds no fingerprint to compare) or ``unreadable``.
        recorded: the fingerprint in the manifest.
        found: the fingerprint of what is there now (None when it cannot be read).
        detail: the error, for ``unreadable``.
    """

    source: str
    status: SourceStatus
    recorded: str | None = None
    found: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        """One clause for a warning or an error."""
        return {
            "ok": f"{self.source} is unchanged",
            "missing": f"{self.source} is missing (moved or deleted since training)",
            "changed": f"{self.source} changed since training (fingerprint {self.found}, the manifest "
                       f"recorded {self.recorded})",
            "unrecorded": f"{self.source} has no fingerprint in the manifest to compare with",
            "unreadable": f"{self.source} cannot be read ({self.detail})",
        }[self.status]


def verify_source(source: str | Path, recorded: str | None) -> SourceCheck:
    """Compare a training source with the fingerprint a checkpoint manifest recorded for it.

    Never raises for a missing or unreadable source: that is the answer (``missing``,
    ``unreadable``), for the caller to warn about or refuse.
    """
    from .._load import fingerprint, resolve_source  # lazy: _load imports the formats, which use clean

    name = str(source)
    try:
        path = resolve_source(source)
        if not path.exists():
            return SourceCheck(name, "missing", recorded)
        found = fingerprint(source)
    except (OSError, ValueError) as exc:
        return SourceCheck(name, "unreadable", recorded, detail=str(exc).splitlines()[0] if str(exc) else repr(exc))
    if not recorded:
        return SourceCheck(name, "unrecorded", None, found)
    return SourceCheck(name, "ok" if found == recorded else "changed", recorded, found)


def _clip(text: str, width: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def check_contamination(
    train: Sequence[Record],
    test: Sequence[Record],
    *,
    near: bool = True,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    code: bool = False,
    max_examples: int = 10,
) -> ContaminationReport:
    """Report how much of ``test`` overlaps ``train``: exact and near duplicates and shared groups.

    Args:
        train: the training records.
        test: the evaluation records.
        near, threshold, num_perm, shingle, code: as for :func:`dedup`.
        max_examples: how many overlapping pairs to keep as examples.
    """
    dups = cross_duplicates(
        train, test, near=near, threshold=threshold, num_perm=num_perm, shingle=shingle, code=code
    )
    train_groups = {g for r in train if (g := record_group(r)) is not None}
    test_groups = [record_group(r) for r in test]
    shared = sorted(train_groups.intersection(g for g in test_groups if g is not None))
    shared_set = set(shared)
    report = ContaminationReport(
        n_train=len(train),
        n_test=len(test),
        exact=[d for d in dups if d.kind == "exact"],
        near=[d for d in dups if d.kind == "near"],
        shared_groups=shared,
        group_overlap=[i for i, g in enumerate(test_groups) if g in shared_set],
        examples=[
            OverlapPair(d.index, d.of, d.kind, d.similarity, record_text(test[d.index]), record_text(train[d.of]))
            for d in dups[:max_examples]
        ],
    )
    if report.clean:
        logger.info("no contamination between %d train and %d test records", len(train), len(test))
    else:
        logger.warning(report.summary().splitlines()[0])
    return report
