"""Offloaded activation checkpointing: each decoder layer keeps only its input, in CPU memory.

Plain activation checkpointing keeps every decoder layer's input on the GPU
(8 x 2048 tokens x hidden 2048 in bf16 is 67 MB a layer) and recomputes the layer
in backward. Offloaded checkpointing moves that input to pinned CPU memory as soon
as the forward has made it, on a side CUDA stream so the copy overlaps the next
layer's compute, and brings it back when backward reaches the layer; the layer is
then recomputed, its gradients taken, and its recomputed activations freed before
the next layer's backward starts. The GPU holds one layer's activations at a time
(the trick behind Unsloth's memory figure).

It is built from torch's own parts: the re-entrant :func:`torch.utils.checkpoint.checkpoint`
(which saves exactly the layer's tensor inputs through ``save_for_backward``, and
restores the RNG and autocast state for the recompute), wrapped in a
:class:`torch.autograd.graph.saved_tensors_hooks` that does the offload.
``torch.autograd.graph.save_on_cpu`` would do it too, but its copy is synchronous
(the host waits for every layer's copy); these hooks copy on a side stream.

A zero-size ``anchor`` tensor that requires grad is passed to the checkpoint with
the layer's input, so that the layer's backward runs even where the input needs no
gradient (the embeddings are frozen under LoRA); without it the re-entrant
checkpoint would silently skip the first layer's adapters (what transformers works
around with ``enable_input_require_grads``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.utils.checkpoint

logger = logging.getLogger(__name__)

@dataclass
class _Offloaded:
    """A saved tensor's CPU copy, the device it returns to, and the event that marks the copy done."""

    cpu: torch.Tensor
    device: torch.device
    done: Any


@dataclass
class OffloadStats:
    """What the hooks saw: non-empty tensors saved (and their shapes), and how many were moved to the CPU."""

    saved: int = 0
    offloaded: int = 0
    offloaded_bytes: int = 0
    shapes: list[tuple[int, ...]] = field(default_factory=list)


_STREAMS: dict[torch.device, Any] = {}


def _side_stream(device: torch.device) -> Any:
    if device not in _STREAMS:
        _STREAMS[device] = torch.cuda.Stream(device)
    return _STREAMS[device]


class OffloadHooks(torch.autograd.graph.saved_tensors_hooks):
    """Saved tensors on a CUDA device go to pinned CPU memory on a side stream, and come back on use.

    Tensors on the CPU, and empty ones (the anchor), are kept as they are:
    offloading to the CPU what already lives there would only copy it.

    Args:
        stats: Counts of what was saved and offloaded (for tests and logs).
    """

    def __init__(self, stats: OffloadStats | None = None) -> None:
        self.stats = stats if stats is not None else OffloadStats()
        super().__init__(self._pack, self._unpack)

    def _pack(self, tensor: torch.Tensor) -> torch.Tensor | _Offloaded:
        if tensor.numel() == 0:
            return tensor
        self.stats.saved += 1
        self.stats.shapes.append(tuple(tensor.shape))
        if tensor.device.type != "cuda" or tensor.layout != torch.strided:
            return tensor
        stream = _side_stream(tensor.device)
        cpu = torch.empty(tensor.size(), dtype=tensor.dtype, pin_memory=True)
        stream.wait_stream(torch.cuda.current_stream(tensor.device))  # the tensor is complete before we copy it
        with torch.cuda.stream(stream):
            cpu.copy_(tensor, non_blocking=True)
            done = torch.cuda.Event()
            done.record(stream)
        tensor.record_stream(stream)  # its GPU memory is not reused until the copy has finished
        self.stats.offloaded += 1
        self.stats.offloaded_bytes += tensor.numel() * tensor.element_size()
        return _Offloaded(cpu, tensor.device, done)

    @staticmethod
    def _unpack(packed: torch.Tensor | _Offloaded) -> torch.Tensor:
        if isinstance(packed, torch.Tensor):
            return packed
        torch.cuda.current_stream(packed.device).wait_event(packed.done)
        return packed.cpu.to(packed.device, non_blocking=True)


def offloaded_checkpoint(function: Any, *args: Any, stats: OffloadStats | None = None) -> Any:
    """Run ``function(*args)`` without keeping its activations; its tensor inputs are offloaded.

    The signature of transformers' ``_gradient_checkpointing_func`` (the layer's
    keyword arguments are bound into ``function``; the hidden states come in ``args``).
    """
    device = next((a.device for a in args if isinstance(a, torch.Tensor)), None)
    anchor = torch.empty(0, device=device, requires_grad=True)

    def run(_anchor: torch.Tensor, *inner: Any) -> Any:
        return function(*inner)

    with OffloadHooks(stats):
        return torch.utils.checkpoint.checkpoint(run, anchor, *args, use_reentrant=True)


def enable_offloaded_checkpointing(model: Any, stats: OffloadStats | None = None) -> int:
    """Checkpoint every decoder layer of ``model`` with :func:`offloaded_checkpoint`.

    Sets what transformers' own ``gradient_checkpointing_enable`` sets (the
    ``gradient_checkpointing`` flag and ``_gradient_checkpointing_func`` on every
    module that has the flag), with the offloading function in place of torch's
    checkpoint. Keep the trainer's ``activation_checkpointing`` off, or the
    trainer would put plain checkpointing back.

    Args:
        model: A transformers model, or a peft model around one.
        stats: Optional counters the hooks fill (every layer call adds to them).

    Returns:
        The number of decoder layers now checkpointed.

    Raises:
        ValueError: The model has no transformers ``GradientCheckpointingLayer``.
    """
    from functools import partial

    from transformers.modeling_layers import GradientCheckpointingLayer

    func = partial(offloaded_checkpoint, stats=stats) if stats is not None else offloaded_checkpoint
    layers = 0
    for module in model.modules():
        if hasattr(module, "gradient_checkpointing"):
            module._gradient_checkpointing_func = func
            module.gradient_checkpointing = True
            layers += isinstance(module, GradientCheckpointingLayer)
    if not layers:
        raise ValueError(f"{type(model).__name__} has no transformers GradientCheckpointingLayer to checkpoint; "
                         "use the trainer's activation_checkpointing instead")
    logger.info("offloaded activation checkpointing on %d decoder layers", layers)
    return layers
