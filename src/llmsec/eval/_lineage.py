"""What a checkpoint was trained on (from its ``llmsec.json`` lineage), and the contamination check."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checkpoints import Checkpoint, lineage
from ..data import Example, Record, SourceCheck, check_contamination, load_records, verify_source

__all__ = ["ContaminationError", "TrainingSource", "contamination_check", "eval_source", "lineage_summary",
           "training_sources", "verify_training"]

logger = logging.getLogger(__name__)


class ContaminationError(ValueError):
    """``strict`` evaluation cannot vouch for the test set: it overlaps the training data, or the
    training data recorded in the lineage is missing, changed or unreadable (so nothing was checked)."""


@dataclass(frozen=True)
class TrainingSource:
    """One stage's training data: where it came from and in which format."""

    checkpoint: str
    kind: str
    source: str
    format: str | None
    options: dict[str, Any]
    max_samples: int | None
    fingerprint: str | None = None
    head: str = "causal-lm"  # the stage's StageSpec.head: "classifier" for a stage that trained a head


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
                                  dict(stage_data.get("options") or {}), stage_data.get("max_samples"),
                                  train.get("fingerprint"), ckpt.head))
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


def verify_training(sources: Sequence[TrainingSource]) -> list[tuple[TrainingSource, SourceCheck]]:
    """Each source beside its check against the fingerprint its checkpoint's manifest recorded."""
    return [(src, verify_source(src.source, src.fingerprint)) for src in sources]


def contamination_check(
    checkpoint: Checkpoint | None, test: Sequence[Record], *, test_source: str, strict: bool = False,
    code: bool = False,
) -> dict[str, Any]:
    """Compare the lineage's training data with the test set; warn loudly, or raise when ``strict``.

    Before comparing, every training source the lineage records is checked against the
    fingerprint its manifest recorded: a source that is missing, changed, unreadable or
    without a recorded fingerprint cannot vouch for the test set. ``strict`` fails closed:
    such a source, a lineage that records no training data, or training data that cannot be
    loaded is an error, as is any overlap. Without ``strict`` they are warnings, and the
    sources still present (changed or not) are compared.

    Returns:
        ``{"checked", "verified", "train_sources", "data_checks", "problems", "clean", "summary", "report"}``
        (and ``"warning"`` when something is wrong). ``verified`` is True when every training
        source is present and unchanged.

    Raises:
        ContaminationError: ``strict`` and the check cannot be made on the very training data,
            or some test records overlap it.
    """
    sources = training_sources(checkpoint)
    out: dict[str, Any] = {"checked": False, "verified": False, "train_sources": [s.source for s in sources],
                           "data_checks": [], "problems": [], "clean": None, "summary": None, "report": None}
    warnings: list[str] = []
    if not sources:
        if checkpoint is None:
            out["summary"] = "not checked: the model has no llmsec lineage with training data"
            logger.info("contamination %s", out["summary"])
            return out
        out["summary"] = "not checked: no stage of the lineage records its training data"
        if strict:
            raise ContaminationError(f"--strict: cannot check {test_source} for contamination: no stage of "
                                     f"{checkpoint.path}'s lineage records its training data")
        logger.warning("contamination %s", out["summary"])
        out["warning"] = out["summary"]
        return out

    checks = verify_training(sources)
    out["data_checks"] = [{"checkpoint": src.checkpoint, "source": c.source, "status": c.status,
                           "recorded": c.recorded, "found": c.found} for src, c in checks]
    bad = [(src, c) for src, c in checks if not c.ok]
    out["verified"] = not bad
    if bad:
        what = "; ".join(f"{c.describe()} (recorded by {src.checkpoint})" for src, c in bad)
        if strict:
            raise ContaminationError(
                f"--strict: cannot vouch for {test_source}: the training data is not what the model was trained "
                f"on: {what}. Restore the training data the manifests name, or drop --strict to evaluate with "
                "a warning"
            )
        warnings.append(f"training data not verified: {what}; the contamination check below "
                        + ("compares what is there now" if any(c.status != "missing" for _, c in checks)
                           else "could not run"))
        logger.warning("CONTAMINATION CHECK %s", warnings[-1])

    present = [src for src, c in checks if c.status not in ("missing", "unreadable")]
    train, problems = load_training(present)
    out["problems"] = problems
    if problems and strict:
        raise ContaminationError(f"--strict: cannot load the training data to check {test_source}: "
                                 + "; ".join(problems))
    if not train:
        out["summary"] = "not checked: none of the training data could be loaded"
        logger.warning("contamination %s: %s", out["summary"], "; ".join(problems) or "nothing to load")
        out["warning"] = "; ".join([*warnings, out["summary"]])
        return out
    report = check_contamination(train, test, code=code)
    out.update(checked=True, clean=report.clean, summary=report.summary(), report=report.to_dict())
    if bad:
        out["summary"] = f"UNVERIFIED (training data changed or missing): {out['summary']}"
    if not report.clean:
        counts = (f"{len(report.contaminated)} of {report.n_test} test records ({report.fraction:.1%}) overlap the "
                  f"training data: {len(report.exact)} exact duplicates, {len(report.near)} near duplicates, "
                  f"{len(report.group_overlap)} in {len(report.shared_groups)} shared groups")
        if strict:
            raise ContaminationError(f"contaminated test set {test_source}: {counts} (training data: "
                                     f"{', '.join(out['train_sources'])}); drop --strict to evaluate anyway, "
                                     "or de-duplicate/split the data by group")
        logger.warning("CONTAMINATION: %s; the scores may be inflated", counts)
        warnings.append(counts)
    if warnings:
        out["warning"] = "; ".join(warnings)
    return out


def labelled(records: Sequence[Record]) -> list[Example]:
    """The Examples among ``records``."""
    return [r for r in records if isinstance(r, Example)]
