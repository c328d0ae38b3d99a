"""Moved to :mod:`llmsec.checkpoints`; this module keeps the old import path working."""

from ..checkpoints._manifest import (
    MANIFEST,
    MAX_LINEAGE,
    Checkpoint,
    LineageError,
    StageMismatchError,
    config_diff,
    is_checkpoint,
    lineage,
    now,
    read_checkpoint,
    write_manifest,
)

__all__ = ["MANIFEST", "MAX_LINEAGE", "Checkpoint", "LineageError", "StageMismatchError", "config_diff",
           "is_checkpoint", "lineage", "now", "read_checkpoint", "write_manifest"]
