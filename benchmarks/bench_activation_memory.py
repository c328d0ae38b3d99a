"""Activation memory of one Llama-3.2-1B-shaped block under LoRA, measured on the CPU.

Runs one decoder block (hidden 2048, intermediate 8192, 32 heads, 8 KV heads; bf16
weights under bf16 autocast, as the trainer's ``bf16: true`` runs it; peft LoRA r=16
on every linear layer with peft's default fp32 adapter weights, frozen base, sdpa)
forward at a few sequence lengths and counts the bytes autograd saves for backward
(``torch.autograd.graph.saved_tensors_hooks``; storages shared with parameters and
with each other counted once). From the bytes per token it projects the GPU
benchmark's activation memory (``bench_train_gpu.py``: 16 layers, 8 x 2048 tokens)
without activation checkpointing, and with it (each block's input kept, one block
recomputed at a time). The attention kernel on the GPU (flash / memory-efficient
sdpa) keeps O(tokens) state as the CPU's does, so the per-token figure carries over.

    python benchmarks/bench_activation_memory.py [--lengths 256 512 1024]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "activation_memory.json"
SHAPE = dict(hidden_size=2048, intermediate_size=8192, num_attention_heads=32, num_key_value_heads=8)
BENCH = {"layers": 16, "tokens": 8 * 2048}


def saved_bytes(tokens: int, adapter_fp32: bool = True) -> dict[str, int]:
    """Bytes autograd keeps for backward after one LoRA block forward over ``tokens`` tokens, by dtype."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(vocab_size=256, num_hidden_layers=1, tie_word_embeddings=True, attn_implementation="sdpa",
                      **SHAPE)
    torch.manual_seed(0)
    model = get_peft_model(LlamaForCausalLM(cfg).to(torch.bfloat16),
                           LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear"),
                           autocast_adapter_dtype=adapter_fp32)
    inner = model.get_base_model().model
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    x = torch.randn(1, tokens, cfg.hidden_size, dtype=torch.bfloat16, requires_grad=True)
    positions = torch.arange(tokens)[None]
    seen: dict[int, tuple[int, str]] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            seen[storage.data_ptr()] = (storage.nbytes(), str(t.dtype).removeprefix("torch."))
        return t

    with torch.autocast("cpu", dtype=torch.bfloat16), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        inner.layers[0](x, position_embeddings=inner.rotary_emb(x, positions), attention_mask=None,
                        position_ids=positions)
    by_dtype: dict[str, int] = {}
    for nbytes, dtype in seen.values():
        by_dtype[dtype] = by_dtype.get(dtype, 0) + nbytes
    return by_dtype


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--out", type=Path, default=RESULTS)
    a = parser.parse_args()
    rows = []
    for n in a.lengths:
        by_dtype = saved_bytes(n)
        rows.append({"tokens": n, "saved_bytes": sum(by_dtype.values()), "by_dtype": by_dtype})
    per_token = rows[-1]["saved_bytes"] / rows[-1]["tokens"]
    layer_input = SHAPE["hidden_size"] * 2  # bf16 hidden state kept per token per block under checkpointing
    n, t = BENCH["layers"], BENCH["tokens"]
    without = n * t * per_token / 1e9
    with_ckpt = (n * t * layer_input + t * per_token) / 1e9
    print(f"{'tokens':>7} {'saved MB':>9} {'bytes/token':>12}  by dtype (bytes/token)")
    for r in rows:
        parts = ", ".join(f"{k} {v / r['tokens']:.0f}" for k, v in sorted(r["by_dtype"].items()))
        print(f"{r['tokens']:7d} {r['saved_bytes'] / 2**20:9.1f} {r['saved_bytes'] / r['tokens']:12.0f}  {parts}")
    bf16_adapters = saved_bytes(a.lengths[-1], adapter_fp32=False)
    per_token_bf16 = sum(bf16_adapters.values()) / a.lengths[-1]
    print(f"with bf16 adapter weights (not peft's default): {per_token_bf16:.0f} bytes/token "
          f"({per_token_bf16 / per_token:.2f}x)")
    print(f"\nbench_train_gpu shape ({n} layers x {t} tokens): activations {without:.1f} GB without "
          f"checkpointing, {with_ckpt:.2f} GB with it")
    result = {
        "shape": SHAPE, "lora": {"r": 16, "target_modules": "all-linear", "adapter_dtype": "float32"},
        "dtype": "bfloat16 autocast", "runs": rows,
        "bytes_per_token_per_layer": per_token, "bf16_adapters_bytes_per_token": per_token_bf16,
        "projection": {**BENCH, "no_checkpointing_gb": round(without, 2), "checkpointing_gb": round(with_ckpt, 2)},
        "machine": f"{platform.machine()}, {os.cpu_count()} cpu, python {platform.python_version()}",
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
