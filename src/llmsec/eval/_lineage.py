"""What a checkpoint was trained on (from its ``llmsec.json`` lineage), and the contamination check."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data import Example, Record, check_contamination, load_records
from ..train import Checkpoint, lineage

__all__ = ["ContaminationError", "TrainingSource", "contamination_check", "eval_source", "lineage_summary",
           "training_sources"]

logger = logging.getLogger(__name__)


class ContaminationError(ValueError):
    """The test set overlaps the training data and ``strict`` evaluation was asked for."""


@dataclass(frozen=True)
class TrainingSource:
    """One stage's training data: where it came from and in which format."""

    checkpoint: str
    kind: str
    source: str
    format: str | None
    options: dict[str, Any]
    max_samples: int | None


def training_sources(checkpoint: Checkpoint | None) -> list[TrainingSource]:
    """Every stage's ``data.train`` source along the checkpoint's lineage (oldest first)."""
    if checkpoint is None:
        return []
    out = []
    for ckpt in lineage(checkpoint):
        data = ckpt.manifest.get("data") or {}
        train = data.get("train") or {}
        if not train.get("source"):
            continue
        stage_data = (ckpt.manifest.get("stage") or {}).get("data") or {}
        out.append(TrainingSource(str(ckpt.path), ckpt.kind, str(train["source"]), data.get("format"),
                                  dict(stage_data.get("options") or {}), stage_data.get("max_samples")))
    return out


def load_training(sources: Sequence[TrainingSource]) -> tuple[list[Record], list[str]]:
    """Load the training records of ``sources``; sources that cannot be read are listed, not raised."""
    records: list[Record] = []
    problems = []
    for src in sources:
        try:
            loaded, _ = load_records(src.source, src.format, max_samples=src.max_samples, **src.options)
        except (OSError, ValueError) as exc:
            problems.append(f"{src.source} (from {src.checkpoint}): {exc}".splitlines()[0])
            logger.warning("cannot load training data %s of %s: %s", src.source, src.checkpoint, exc)
            continue
        records += loaded
    return records, problems


def eval_source(checkpoint: Checkpoint) -> tuple[str, str | None]:
    """The held-out data the newest stage with an eval set recorded, as ``(source, format)``.

    Raises:
        ValueError: no stage of the lineage recorded an eval set.
    """
    for ckpt in reversed(lineage(checkpoint)):
        data = ckpt.manifest.get("data") or {}
        if (data.get("eval") or {}).get("source"):
            return str(data["eval"]["source"]), data.get("format")
    raise ValueError(f"checkpoint {checkpoint.path} records no eval data in its {Path('llmsec.json')} lineage; "
                     "pass --data with the test set")


def lineage_summary(checkpoint: Checkpoint | None) -> list[dict[str, Any]]:
    """A JSON-ready account of each stage along the lineage (oldest first)."""
    if checkpoint is None:
        return []
    out = []
    for ckpt in lineage(checkpoint):
        m = ckpt.manifest
        data = m.get("data") or {}
        out.append({
            "path": str(ckpt.path),
            "kind": ckpt.kind,
            "base": ckpt.base,
            "parent": ckpt.parent,
            "task": m.get("task"),
            "adapter": m.get("adapter"),
            "created": m.get("created"),
            "data": {k: data.get(k) for k in ("format", "train", "eval") if data.get(k) is not None},
            "metrics": {k: v for k, v in (ckpt.metrics or {}).items() if isinstance(v, int | float)},
        })
    return out


def contamination_check(
    checkpoint: Checkpoint | None, test: Sequence[Record], *, test_source: str, strict: bool = False,
    code: bool = False,
) -> dict[str, Any]:
    """Compare the lineage's training data with the test set; warn loudly, or raise when ``strict``.

    Returns:
        ``{"checked", "train_sources", "problems", "clean", "summary", "report"}``.

    Raises:
        ContaminationError: ``strict`` and some test records overlap the training data.
    """
    sources = training_sources(checkpoint)
    out: dict[str, Any] = {"checked": False, "train_sources": [s.source for s in sources], "problems": [],
                           "clean": None, "summary": None, "report": None}
    if not sources:
        out["summary"] = ("not checked: the model has no llmsec lineage with training data"
                          if checkpoint is None or not lineage(checkpoint) else
                          "not checked: no stage of the lineage records its training data")
        logger.info("contamination %s", out["summary"])
        return out
    train, problems = load_training(sources)
    out["problems"] = problems
    if not train:
        out["summary"] = "not checked: none of the training data could be loaded"
        logger.warning("contamination %s: %s", out["summary"], "; ".join(problems))
        return out
    report = check_contamination(train, test, code=code)
    out.update(checked=True, clean=report.clean, summary=report.summary(), report=report.to_dict())
    if not report.clean:
        counts = (f"{len(report.contaminated)} of {report.n_test} test records ({report.fraction:.1%}) overlap the "
                  f"training data: {len(report.exact)} exact duplicates, {len(report.near)} near duplicates, "
                  f"{len(report.group_overlap)} in {len(report.shared_groups)} shared groups")
        if strict:
            raise ContaminationError(f"contaminated test set {test_source}: {counts} (training data: "
                                     f"{', '.join(out['train_sources'])}); drop --strict to evaluate anyway, "
                                     "or de-duplicate/split the data by group")
        logger.warning("CONTAMINATION: %s; the scores may be inflated", counts)
        out["warning"] = counts
    return out


def labelled(records: Sequence[Record]) -> list[Example]:
    """The Examples among ``records``."""
    return [r for r in records if isinstance(r, Example)]
