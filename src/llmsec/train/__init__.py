"""Training stages (domain pre-training, instruction tuning, transfer learning) and Pipeline."""

from ._args import build_training_args, check_trainer_keys
from ._checkpoint import MANIFEST, Checkpoint, is_checkpoint, lineage, read_checkpoint
from ._preflight import preflight
from ._stage import Stage
from .domain_pretrainer import DomainPretrainer
from .instruction_tuner import InstructionTuner
from .pipeline import STAGES, Pipeline, StageMismatchError, train
from .transfer_trainer import TransferTrainer

__all__ = [
    "MANIFEST",
    "STAGES",
    "Checkpoint",
    "DomainPretrainer",
    "InstructionTuner",
    "Pipeline",
    "Stage",
    "StageMismatchError",
    "TransferTrainer",
    "build_training_args",
    "check_trainer_keys",
    "is_checkpoint",
    "lineage",
    "preflight",
    "read_checkpoint",
    "train",
]
