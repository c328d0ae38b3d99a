"""Training stages (domain pre-training, instruction tuning, transfer learning) and Pipeline."""

from ._args import build_training_args, check_trainer_keys
from ._checkpoint import (
    MANIFEST,
    Checkpoint,
    LineageError,
    StageMismatchError,
    is_checkpoint,
    lineage,
    read_checkpoint,
)
from ._distributed import accumulation_steps, check_accelerate_config, launch_command, world_size
from ._grid import GridResult, grid_search, parse_grid
from ._preflight import preflight
from ._resume import CheckpointError, latest_good, read_ledger, verify_checkpoint
from ._stage import Stage
from .domain_pretrainer import DomainPretrainer
from .instruction_tuner import InstructionTuner
from .pipeline import STAGES, Pipeline, train
from .transfer_trainer import TransferTrainer

__all__ = [
    "MANIFEST",
    "STAGES",
    "Checkpoint",
    "CheckpointError",
    "DomainPretrainer",
    "GridResult",
    "InstructionTuner",
    "LineageError",
    "Pipeline",
    "Stage",
    "StageMismatchError",
    "TransferTrainer",
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
]
