"""Where a training step's time goes, read from a torch.profiler chrome trace.

``bench_train_gpu.py --profile`` writes the trace of a few training steps and
prints this summary. Each piece of work is a CUDA kernel (on a GPU) or a CPU op's
self time (on the CPU, where no kernels exist), put into one category:

``optimizer``, ``4-bit dequant``, ``lm head + loss``, ``attention``, ``lora``,
``matmul``, ``norms/activations``, ``copies``, ``other``

by the names of the kernel, the op that launched it and that op's enclosing ops
(``Optimizer.step#...``, ``aten::scaled_dot_product_attention``, ...), and for
matmuls by the op's input shapes: a matmul with a dimension equal to the LoRA rank
is LoRA, one with the vocabulary size is the LM head. ``gaps`` is the step time in
which no kernel ran (launch overhead, host syncs, Python); on the CPU, the step time
outside any op. The rules are name heuristics: read the top kernels beside them.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

CATEGORIES = ["matmul", "attention", "4-bit dequant", "lora", "norms/activations", "lm head + loss", "optimizer",
              "copies", "other"]
KERNEL_CATS = {"kernel", "gpu_memcpy", "gpu_memset"}
OP_CATS = {"cpu_op", "user_annotation"}
MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::matmul", "aten::linear", "aten::_addmm_activation")
# Scopes: a match anywhere in the chain (the kernel, its op, the enclosing ops) decides.
SCOPES: list[tuple[str, tuple[str, ...]]] = [
    ("optimizer", ("optimizer.", "optimizer_", "adam", "clip_grad", "_foreach_", "multi_tensor")),
    ("4-bit dequant", ("dequant", "bitsandbytes", "gemv_4bit", "quantize_4bit")),
    ("lm head + loss", ("logprob", "cross_entropy", "nll_loss", "log_softmax", "lm_head")),
    ("attention", ("attention", "sdpa", "flash", "fmha", "flex", "softmax")),
]
# Kinds of op: the innermost name that matches one decides.
KINDS: list[tuple[str, tuple[str, ...]]] = [
    ("lora", ("lora",)),
    ("matmul", ("gemm", "cutlass", "cublas", "nvjet", "xmma", "wgmma", "aten::mm", "aten::addmm", "aten::bmm",
                "aten::matmul", "aten::linear", "mmbackward")),
    ("copies", ("copy", "memcpy", "memset", "aten::cat", "aten::to", "clone", "contiguous", "fill", "zero",
                "index", "embedding", "aten::empty", "aten::slice", "aten::view", "aten::reshape", "transpose",
                "aten::t", "aten::expand", "aten::unsqueeze", "aten::as_strided")),
    ("norms/activations", ("norm", "silu", "gelu", "swiglu", "rope", "rotary", "sigmoid", "aten::mul", "aten::add",
                           "aten::pow", "aten::rsqrt", "aten::mean", "aten::neg", "aten::cos", "aten::sin",
                           "aten::div", "elementwise", "reduce", "triton_poi", "triton_per", "triton_red",
                           "liger")),
]


def load_trace(path: str | Path) -> dict[str, Any]:
    """A chrome trace written by ``torch.profiler`` (``.json`` or ``.json.gz``)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        return json.load(f)


def _dims(op: dict[str, Any] | None) -> list[int]:
    dims = (op or {}).get("args", {}).get("Input Dims") or []
    return [d for shape in dims if isinstance(shape, list) for d in shape if isinstance(d, int)]


def classify(names: list[str], matmul_dims: list[int], *, vocab: int, lora_r: int) -> str:
    """The category of one piece of work.

    Args:
        names: The op's name (for a kernel: the launching op's, then the kernel's), then the enclosing
            ops' names, innermost first.
        matmul_dims: The input dimensions of the innermost matmul op among them (empty if none): a
            matmul with the vocabulary size is the LM head, one with the LoRA rank is LoRA, others are
            ``matmul`` (whatever encloses them, e.g. a fused LoRA function's base matmul).
        vocab: The vocabulary size (a matmul with it is the LM head).
        lora_r: The LoRA rank (a matmul with it is LoRA).
    """
    low = [n.lower() for n in names]
    for category, keys in SCOPES:
        if any(k in name for name in low for k in keys):
            return category
    kind = next((category for name in low for category, keys in KINDS if any(k in name for k in keys)), None)
    if kind in (None, "matmul", "lora") and matmul_dims:  # a matmul's shapes say whose it is
        if vocab in matmul_dims:
            return "lm head + loss"
        return "lora" if lora_r in matmul_dims else "matmul"
    return kind or "other"


class _Nesting:
    """The CPU ops of one thread, nested by time, for 'which ops enclose this one'."""

    def __init__(self, ops: list[dict[str, Any]]) -> None:
        self.ops = sorted(ops, key=lambda e: (e["ts"], -e["dur"]))
        self.parent: dict[int, int | None] = {}
        self.children_dur: dict[int, float] = defaultdict(float)
        stack: list[int] = []
        for i, op in enumerate(self.ops):
            while stack and self.ops[stack[-1]]["ts"] + self.ops[stack[-1]]["dur"] <= op["ts"]:
                stack.pop()
            self.parent[i] = stack[-1] if stack else None
            if stack:
                self.children_dur[stack[-1]] += op["dur"]
            stack.append(i)

    def chain(self, i: int) -> list[dict[str, Any]]:
        out = []
        j: int | None = i
        while j is not None:
            out.append(self.ops[j])
            j = self.parent[j]
        return out

    def self_time(self, i: int) -> float:
        return max(self.ops[i]["dur"] - self.children_dur[i], 0.0)


def _union(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def _context(chain: list[dict[str, Any]]) -> tuple[list[str], list[int]]:
    names = [op["name"] for op in chain]
    mm = next((op for op in chain if op["name"] in MATMUL_OPS and _dims(op)), None)
    return names, _dims(mm)


def summarize(trace: dict[str, Any], *, vocab: int, lora_r: int, top: int = 15) -> dict[str, Any]:
    """Shares of the profiled steps' time by category, the gaps, and the top kernels (or CPU ops).

    Args:
        trace: A ``torch.profiler`` chrome trace (:func:`load_trace`).
        vocab: The model's vocabulary size.
        lora_r: The LoRA rank.
        top: How many kernels / ops to list.

    Returns:
        ``device`` (``"cuda"`` when the trace has kernels, else ``"cpu"``), ``steps``, ``step_ms``
        (mean), ``ms`` and ``share`` per category (plus ``gaps``), and ``top``: name, category, calls, ms.
    """
    events = [e for e in trace.get("traceEvents", []) if e.get("ph") == "X" and "dur" in e]
    steps = [e for e in events if e.get("name", "").startswith("ProfilerStep#")]
    if not steps:
        raise ValueError("the trace has no ProfilerStep# annotations: profile with a schedule and prof.step()")
    lo = min(e["ts"] for e in steps)
    hi = max(e["ts"] + e["dur"] for e in steps)
    wall = sum(e["dur"] for e in steps)

    def inside(e: dict[str, Any]) -> bool:
        return lo <= e["ts"] < hi

    ops = [e for e in events if e.get("cat") in OP_CATS and not e["name"].startswith("ProfilerStep#")]
    by_thread: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for e in ops:
        by_thread[(e.get("pid"), e.get("tid"))].append(e)
    nestings = {key: _Nesting(v) for key, v in by_thread.items()}
    position = {id(op): (key, i) for key, n in nestings.items() for i, op in enumerate(n.ops)}
    by_external: dict[Any, dict[str, Any]] = {}
    for e in ops:
        ext = e.get("args", {}).get("External id")
        if ext is not None and e.get("cat") == "cpu_op":
            by_external.setdefault(ext, e)
    runtime_ext = {e["args"]["correlation"]: e["args"].get("External id") for e in events
                   if e.get("cat") in ("cuda_runtime", "cuda_driver") and "correlation" in e.get("args", {})}

    def chain_of(op: dict[str, Any] | None) -> list[dict[str, Any]]:
        if op is None:
            return []
        key, i = position[id(op)]
        return nestings[key].chain(i)

    ms: dict[str, float] = defaultdict(float)
    per_name: dict[str, dict[str, Any]] = {}
    kernels = [e for e in events if e.get("cat") in KERNEL_CATS and inside(e)]
    items: list[tuple[str, float, list[str], list[int]]] = []
    if kernels:
        device = "cuda"
        for k in kernels:
            args = k.get("args", {})
            ext = args.get("External id") or runtime_ext.get(args.get("correlation"))
            names, dims = _context(chain_of(by_external.get(ext)))
            # the launching op's name says more than a generic kernel's ("elementwise_kernel" under aten::copy_)
            items.append((k["name"], k["dur"], [*names[:1], k["name"], *names[1:]], dims))
        busy = _union([(k["ts"], k["ts"] + k["dur"]) for k in kernels])
    else:
        device = "cpu"
        for n in nestings.values():
            for i, op in enumerate(n.ops):
                if inside(op) and n.self_time(i) > 0:
                    names, dims = _context(n.chain(i))
                    items.append((op["name"], n.self_time(i), names, dims))
        busy = sum(d for _, d, _, _ in items)
    for name, dur, names, dims in items:
        cat = classify(names, dims, vocab=vocab, lora_r=lora_r)
        ms[cat] += dur / 1e3
        row = per_name.setdefault(f"{name}\0{cat}", {"name": name, "category": cat, "calls": 0, "ms": 0.0})
        row["calls"] += 1
        row["ms"] += dur / 1e3
    ms["gaps"] = max(wall - busy, 0.0) / 1e3
    wall_ms = wall / 1e3
    return {
        "device": device, "steps": len(steps), "step_ms": wall_ms / len(steps),
        "ms": {c: ms.get(c, 0.0) for c in [*CATEGORIES, "gaps"]},
        "share": {c: ms.get(c, 0.0) / wall_ms for c in [*CATEGORIES, "gaps"]},
        "top": sorted(per_name.values(), key=lambda r: -r["ms"])[:top],
    }


def format_summary(s: dict[str, Any], title: str = "") -> str:
    """The summary as text: the category shares, then the top kernels (CPU ops on the CPU)."""
    what = "kernels" if s["device"] == "cuda" else "CPU ops (self time)"
    lines = [f"profile {title}: {s['steps']} steps, {s['step_ms']:.1f} ms/step ({s['device']})"]
    lines += [f"  {c:18} {s['share'][c]:7.1%} {s['ms'][c]:10.1f} ms" for c in s["share"]]
    lines.append(f"  top {len(s['top'])} {what}:")
    lines += [f"  {r['ms']:10.2f} ms {r['calls']:6d}x  {r['category']:17} {r['name'][:90]}" for r in s["top"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Summarize a trace again, e.g. one a GPU run brought back: ``python benchmarks/profile_summary.py TRACE``."""
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("trace", type=Path, help="chrome trace (.json or .json.gz) written by torch.profiler")
    p.add_argument("--vocab", type=int, default=128256, help="vocabulary size (default: the benchmark's Llama)")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--top", type=int, default=15)
    a = p.parse_args(argv)
    s = summarize(load_trace(a.trace), vocab=a.vocab, lora_r=a.lora_r, top=a.top)
    print(format_summary(s, a.trace.name))
    return s


if __name__ == "__main__":
    main()
