"""GGUF export fidelity: the built-in SmolLM2 with a LoRA adapter, exported and loaded back.

Builds a LoRA adapter (r 8, every linear layer) on the built-in
``smollm2-135m-instruct`` with seeded random non-zero weights (A as peft
initialises it, B ~ N(0, 0.02)) (so the merge
really changes the model; training is not what is measured), saves it as a
portable checkpoint (``base_model_name_or_path`` the upstream id), exports it
``--to merged`` and ``--to gguf`` in each type, loads every GGUF back with
transformers (``gguf_file=``) and compares its float32 logits with the merged
model's on security prompts: largest and mean absolute difference, that
relative to the largest logit, and how often the arg-max token agrees. With
``llama-cpp-python`` installed it also compares greedy tokens (skipped here:
not installed). Writes ``benchmarks/results/export.json``.

    python benchmarks/bench_export.py [--types f16 q8_0 bf16]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "export.json"
PROMPTS = (
    "CVE-2021-44228 lets a remote attacker run code through JNDI lookups in Apache Log4j2.",
    "<|im_start|>user\nWhich CWE is SQL injection?<|im_end|>\n<|im_start|>assistant\n",
    "A heap-based buffer overflow in the kernel network driver lets a local user escalate privileges.",
    "def login(user, pw):\n    q = \"SELECT * FROM users WHERE name = '\" + user + \"'\"\n",
)


def adapter_checkpoint(out: Path, seed: int = 0, scale: float = 0.02) -> Path:
    """A LoRA adapter on the built-in SmolLM2 with random non-zero B matrices, saved portable."""
    import torch

    from llmsec.config import AdapterConfig
    from llmsec.models import attach_adapter, load_model, load_tokenizer
    from llmsec.models._portable import make_portable

    base = "smollm2-135m-instruct"
    torch.manual_seed(seed)  # peft draws the A matrices from torch's global generator
    model = attach_adapter(load_model(base), AdapterConfig(method="lora", r=8, alpha=16, dropout=0.0),
                           task="causal-lm")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * scale)
    model.save_pretrained(out)
    load_tokenizer(base).save_pretrained(out)
    make_portable(out, base)
    return out


def greedy_llama_cpp(gguf_file: Path, prompt: str, n: int = 16) -> list[int] | None:
    """Greedy token ids from llama.cpp (llama-cpp-python), or None when it is not installed."""
    try:
        from llama_cpp import Llama
    except ImportError:
        return None
    llm = Llama(model_path=str(gguf_file), n_ctx=256, verbose=False, logits_all=False)
    tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
    out = []
    for token in llm.generate(tokens, temp=0.0, top_k=1, repeat_penalty=1.0):
        out.append(int(token))
        if len(out) >= n:
            break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", nargs="+", default=["f16", "q8_0", "bf16"])
    args = parser.parse_args()

    from llmsec.models import export, gguf_logit_diff

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = adapter_checkpoint(Path(tmp) / "adapter")
        start = time.perf_counter()
        merged = export(ckpt, "merged")
        merged_s = time.perf_counter() - start
        for outtype in args.types:
            start = time.perf_counter()
            file = export(merged, "gguf", Path(tmp) / f"smollm2-lora.{outtype}.gguf", outtype=outtype)
            seconds = time.perf_counter() - start
            diff = gguf_logit_diff(file, merged, PROMPTS)
            row = {"type": outtype, "size_mb": round(file.stat().st_size / 1e6, 1), "export_s": round(seconds, 1),
                   **{k: round(v, 6) for k, v in diff.items()}, "llama_cpp_greedy": greedy_llama_cpp(file, PROMPTS[1])}
            rows.append(row)
            print(f"{outtype:5s} {row['size_mb']:7.1f} MB  max|diff| {diff['max_abs']:.4f} "
                  f"({diff['max_rel']:.3%} of max logit)  mean {diff['mean_abs']:.5f}  "
                  f"top-1 agree {diff['top1_agree']:.1%} of {int(diff['positions'])}")
    result = {"model": "smollm2-135m-instruct + random LoRA r8 (B ~ N(0, 0.02))", "prompts": len(PROMPTS),
              "merged_export_s": round(merged_s, 1), "rows": rows, "platform": platform.platform(),
              "command": "python benchmarks/bench_export.py " + " ".join(["--types", *args.types])}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
