"""Checkpoints: a plain Hugging Face directory plus the ``llmsec.json`` manifest."""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import STAGES

MANIFEST = "llmsec.json"


@dataclass(frozen=True)
class Checkpoint:
    """The output of one stage, and the base of the next.

    Attributes:
        path: the ``save_pretrained`` directory (adapter or full weights + tokenizer).
        kind: the stage kind that wrote it (``pretrain``, ``instruct``, ``transfer``),
            or ``base`` for an untouched base model.
        base: the base model spec the stage started from (name, path or parent checkpoint).
        parent: the parent checkpoint's path, when the base was itself a checkpoint.
        metrics: the stage's final training and evaluation metrics.
        manifest: the whole ``llmsec.json`` content.
    """

    path: Path
    kind: str
    base: str
    parent: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        """Class labels of a classifier checkpoint (empty otherwise)."""
        return list(self.manifest.get("labels") or [])

    @property
    def head(self) -> str:
        """What the model ends in, as its stage kind declares (``StageSpec.head``): ``"classifier"``
        or ``"causal-lm"``. A kind not registered here (a plugin not imported) is a classifier when
        its manifest records labels."""
        if self.kind in STAGES:
            return STAGES.get(self.kind).head
        return "classifier" if self.labels else "causal-lm"

    @property
    def task(self) -> str | None:
        """The task a transfer checkpoint was trained for."""
        return self.manifest.get("task")


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write ``llmsec.json`` atomically (a temp file renamed over the old one)."""
    path.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path, prefix=".llmsec.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=False, default=str)
        fh.write("\n")
    os.replace(tmp, path / MANIFEST)


def read_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint directory written by an llmsec stage.

    Raises:
        FileNotFoundError: the directory or its manifest is missing.
    """
    path = Path(path)
    manifest_file = path / MANIFEST
    if not manifest_file.is_file():
        raise FileNotFoundError(
            f"{path} is not an llmsec checkpoint: no {MANIFEST} in it "
            "(a plain Hugging Face model directory can still be used as a base model)"
        )
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    return Checkpoint(
        path=path,
        kind=manifest["stage"]["kind"],
        base=manifest["base"],
        parent=manifest.get("parent"),
        metrics=manifest.get("metrics", {}),
        manifest=manifest,
    )


def is_checkpoint(path: str | Path) -> bool:
    """Whether ``path`` holds an llmsec manifest."""
    return (Path(path) / MANIFEST).is_file()


#: The most checkpoints a lineage may chain: far more stages than any pipeline has, few
#: enough that a hand-edited manifest cannot make a walk run away.
MAX_LINEAGE = 64


class LineageError(ValueError):
    """A checkpoint's ``parent`` chain loops back on itself or runs past :data:`MAX_LINEAGE`."""


def _identity(path: str | Path) -> str:
    """One name per directory, however it is spelled (relative, ``..``, symlinks)."""
    return os.path.realpath(path)


def lineage(checkpoint: Checkpoint, max_depth: int = MAX_LINEAGE) -> list[Checkpoint]:
    """The chain of checkpoints from the first stage to ``checkpoint`` (oldest first).

    This is the one walk over manifests' ``parent`` links: everything that follows a
    lineage (evaluation, comparison, model cards, the contamination check) goes through it.

    Raises:
        LineageError: a ``parent`` points back at a checkpoint already on the chain (a cycle:
            a manifest naming itself, or A -> B -> A), or the chain is longer than ``max_depth``.
    """
    chain = [checkpoint]
    seen = {_identity(checkpoint.path)}
    while chain[-1].parent and is_checkpoint(chain[-1].parent):
        parent = chain[-1].parent
        if _identity(parent) in seen:
            path = " -> ".join(str(c.path) for c in chain)
            raise LineageError(
                f"checkpoint lineage has a cycle: {path} -> {parent}; the 'parent' in "
                f"{Path(chain[-1].path) / MANIFEST} points back into its own lineage: set it to the checkpoint "
                "the stage really started from, or to null"
            )
        if len(chain) >= max_depth:
            raise LineageError(
                f"checkpoint lineage of {checkpoint.path} is longer than {max_depth} checkpoints "
                f"(last read: {chain[-1].path}); a manifest's 'parent' is likely wrong"
            )
        seen.add(_identity(parent))
        chain.append(read_checkpoint(parent))
    return chain[::-1]


def now() -> str:
    """The current UTC time, ISO formatted, for manifests."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class StageMismatchError(ValueError):
    """An existing stage checkpoint was made with a different config than the recipe's."""


def config_diff(saved: Any, wanted: Any, prefix: str = "") -> list[str]:
    """``key: checkpoint has X, recipe has Y`` for every differing (nested) key."""
    if isinstance(saved, dict) and isinstance(wanted, dict):
        out = []
        for key in sorted(set(saved) | set(wanted)):
            out += config_diff(saved.get(key), wanted.get(key), f"{prefix}{key}.")
        return out
    if saved != wanted:
        return [f"{prefix.rstrip('.')}: checkpoint has {saved!r}, recipe has {wanted!r}"]
    return []
