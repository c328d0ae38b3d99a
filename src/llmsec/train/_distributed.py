"""Multi-process training through accelerate / torchrun: world size, global batch, launch configs."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._process import barrier, is_main_process, world_size

__all__ = ["LAUNCHERS", "accumulation_steps", "barrier", "check_accelerate_config", "is_main_process",
           "launch_command", "world_size"]

LAUNCHERS = ("accelerate", "torchrun")
_MIXED_PRECISION = {"no", "fp16", "bf16", "fp8"}


def accumulation_steps(global_batch_size: int, per_device: int, processes: int) -> int:
    """Gradient accumulation that keeps ``global_batch_size`` whatever the number of processes.

    Raises:
        ValueError: the global batch is not a multiple of ``per_device × processes``.
    """
    per_step = per_device * processes
    if global_batch_size % per_step:
        fits = [n for n in range(1, 65) if global_batch_size % (per_device * n) == 0]
        raise ValueError(
            f"global_batch_size {global_batch_size} cannot be split over {processes} process(es) × "
            f"per_device_train_batch_size {per_device} = {per_step} samples per micro-step: it must be a "
            f"multiple of {per_step}. With per_device_train_batch_size {per_device}, these process counts "
            f"fit: {fits[:8]}; or change global_batch_size / per_device_train_batch_size."
        )
    return global_batch_size // per_step


def check_accelerate_config(path: str | Path) -> Any:
    """Parse an ``accelerate`` config file with accelerate's own classes and check its keys.

    Besides accelerate's checks (a known ``distributed_type``, no unknown top-level
    key), every key of ``fsdp_config`` / ``deepspeed_config`` must be a real
    ``accelerate launch`` setting (accelerate itself silently ignores a misspelt one),
    and a few values are range-checked.

    Returns:
        The ``ClusterConfig`` (or ``SageMakerConfig``) accelerate would use.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a valid accelerate config; the message says which key and why.
    """
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.commands.launch import launch_command_parser

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"accelerate config not found: {path}. Ship one from examples/accelerate/.")
    try:
        cfg = load_config_from_file(str(path))
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"invalid accelerate config {path}: {exc}") from None
    except Exception as exc:  # yaml errors and the like
        raise ValueError(f"cannot read accelerate config {path}: {type(exc).__name__}: {exc}") from None
    launch_keys = {a.dest for a in launch_command_parser()._actions}
    problems = []
    for section, prefix in (("fsdp_config", "fsdp_"), ("deepspeed_config", "")):
        for key in getattr(cfg, section, None) or {}:
            name = key if key.startswith(prefix) else prefix + key
            if name not in launch_keys:
                import difflib

                close = difflib.get_close_matches(name, sorted(launch_keys), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                problems.append(f"{section}.{key}: not an accelerate launch setting.{hint}")
    mp = getattr(cfg, "mixed_precision", None)
    if mp is not None and str(mp) not in _MIXED_PRECISION:
        problems.append(f"mixed_precision: {mp!r} is not one of {sorted(_MIXED_PRECISION)}")
    stage = (getattr(cfg, "deepspeed_config", None) or {}).get("zero_stage")
    if stage is not None and stage not in (0, 1, 2, 3):
        problems.append(f"deepspeed_config.zero_stage: {stage!r} is not 0, 1, 2 or 3")
    fsdp = getattr(cfg, "fsdp_config", None) or {}
    version = fsdp.get("fsdp_version", fsdp.get("version"))
    if version is not None and version not in (1, 2):
        problems.append(f"fsdp_config.fsdp_version: {version!r} is not 1 or 2")
    n = getattr(cfg, "num_processes", -1)
    if not isinstance(n, int) or (n < 1 and n != -1):
        problems.append(f"num_processes: {n!r} must be a positive integer")
    if problems:
        raise ValueError(f"invalid accelerate config {path}:\n  " + "\n  ".join(problems))
    return cfg


def launch_command(
    args: Sequence[str],
    *,
    launcher: str,
    num_processes: int,
    accelerate_config: str | Path | None = None,
    cpu: bool | None = None,
) -> list[str]:
    """The command line that re-runs ``llmsec ARGS`` under ``accelerate launch`` or ``torchrun``.

    Args:
        args: the ``llmsec`` arguments (``["train", "recipe.yaml", ...]``).
        launcher: ``accelerate`` or ``torchrun``.
        num_processes: processes on this machine.
        accelerate_config: an accelerate config file (validated first).
        cpu: force CPU training (default: when no CUDA device is present).

    Raises:
        ValueError: an unknown launcher, a bad process count, or an invalid accelerate config.
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f"unknown launcher {launcher!r}; use one of {list(LAUNCHERS)}")
    if num_processes < 1:
        raise ValueError(f"--num-processes must be at least 1, got {num_processes}")
    if cpu is None:
        import torch

        cpu = not torch.cuda.is_available()
    if launcher == "torchrun":
        if accelerate_config is not None:
            raise ValueError("--accelerate-config needs --launcher accelerate (torchrun does not read it)")
        return [sys.executable, "-m", "torch.distributed.run", "--standalone",
                f"--nproc-per-node={num_processes}", "-m", "llmsec", *args]
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(num_processes)]
    if accelerate_config is not None:
        cfg = check_accelerate_config(accelerate_config)
        ds = getattr(cfg, "deepspeed_config", None) or {}
        if str(getattr(cfg, "distributed_type", "")).endswith("DEEPSPEED") or ds:
            import importlib.util

            if importlib.util.find_spec("deepspeed") is None:
                raise ValueError(f"{accelerate_config} uses DeepSpeed, which is not installed: "
                                 "pip install deepspeed (needs a CUDA toolchain), or use a DDP/FSDP config")
        cmd += ["--config_file", str(accelerate_config)]
    else:
        cmd += ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
        if num_processes > 1:
            # torch.distributed workers (gloo on the CPU, nccl on GPUs); accelerate's --cpu
            # would run a single process (its multi-CPU path needs mpirun).
            cmd += ["--multi_gpu"]
        elif cpu:
            cmd += ["--cpu"]
    return [*cmd, "-m", "llmsec", *args]
