"""Which process this is in a multi-process run (accelerate / torchrun), read from the environment.

Below every package: checkpoints are written by the main process only, and
training waits on the others at a barrier.
"""

from __future__ import annotations

import os


def world_size() -> int:
    """The number of training processes (``WORLD_SIZE`` set by accelerate / torchrun, else 1)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    """Whether this is global rank 0 (always true outside a distributed launch)."""
    return int(os.environ.get("RANK", "0")) == 0


def barrier() -> None:
    """Wait for every process when torch.distributed is running (a no-op otherwise)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
