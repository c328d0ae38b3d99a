"""Checkpoints: what a stage writes and the next stage, evaluation and explanation read.

A finished stage is a plain Hugging Face ``save_pretrained`` directory plus
``llmsec.json`` (the manifest: stage config, base, parent, data, metrics, file
table); its intermediate checkpoints are committed atomically under
``<stage>/_trainer/checkpoints/`` and verified before a resume. This package sits
below ``models``, ``train``, ``eval`` and ``explain``, which all read it; it
imports only ``config``.
"""

from ._base import BaseSpec, as_model_config, parent_of
from ._filetable import MarkerError, sha256_file, verify_final
from ._final import distributed_info, save_checkpoint, stage_output_dir
from ._intermediate import (
    MARKER,
    CheckpointError,
    available,
    latest_good,
    read_ledger,
    read_marker,
    train_with_checkpoints,
    verify_checkpoint,
)
from ._manifest import (
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

__all__ = [
    "MANIFEST",
    "MARKER",
    "MAX_LINEAGE",
    "BaseSpec",
    "Checkpoint",
    "CheckpointError",
    "LineageError",
    "MarkerError",
    "StageMismatchError",
    "as_model_config",
    "available",
    "config_diff",
    "distributed_info",
    "is_checkpoint",
    "latest_good",
    "lineage",
    "now",
    "parent_of",
    "read_checkpoint",
    "read_ledger",
    "read_marker",
    "save_checkpoint",
    "sha256_file",
    "stage_output_dir",
    "train_with_checkpoints",
    "verify_checkpoint",
    "verify_final",
    "write_manifest",
]
