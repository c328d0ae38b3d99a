"""Training stages (domain pre-training, instruction tuning, transfer learning) and Pipeline.

The trainer classes (``DomainPretrainer``, ``InstructionTuner``, ``TransferTrainer``
and any registered stage's) are the stage kinds' declarations in
:data:`llmsec.config.STAGES`, imported on first use.
"""

from typing import Any

from ..checkpoints import (
    MANIFEST,
    Checkpoint,
    CheckpointError,
    LineageError,
    StageMismatchError,
    is_checkpoint,
    latest_good,
    lineage,
    read_checkpoint,
    read_ledger,
    verify_checkpoint,
)
from ..config import stage_specs as _stage_specs
from ._args import build_training_args, check_trainer_keys
from ._common import StageSettings
from ._distributed import accumulation_steps, check_accelerate_config, launch_command, world_size
from ._grid import GridResult, grid_search, parse_grid
from ._preflight import preflight
from ._stage import Stage
from .pipeline import STAGES, Pipeline, train

__all__ = [
    "MANIFEST",
    "STAGES",
    "Checkpoint",
    "CheckpointError",
    "GridResult",
    "LineageError",
    "Pipeline",
    "Stage",
    "StageSettings",
    "StageMismatchError",
    "accumulation_steps",
    "build_training_args",
    "check_accelerate_config",
    "check_trainer_keys",
    "grid_search",
    "is_checkpoint",
    "latest_good",
    "launch_command",
    "lineage",
    "parse_grid",
    "preflight",
    "read_checkpoint",
    "read_ledger",
    "train",
    "verify_checkpoint",
    "world_size",
    *(spec.trainer_name for spec in _stage_specs() if spec.trainer_module.startswith(__name__ + ".")),
]


def __getattr__(name: str) -> Any:
    """A stage's trainer class by name (``DomainPretrainer``), from its registered declaration."""
    for spec in _stage_specs():
        if spec.trainer_name == name:
            value = spec.load_trainer()
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
