"""GPU training and inference throughput: vanilla trl + peft + bitsandbytes against llmsec's fast path.

On one GPU it builds a randomly initialised Llama-3.2-1B-shaped model (hidden
2048, intermediate 8192, 16 layers, 32 heads, 8 KV heads, vocabulary 128256,
tied embeddings; no weights are downloaded), synthetic variable-length
documents, sequence length 2048, batch 8, and times ``--steps`` optimizer steps of:

* ``vanilla-qlora``: trl ``SFTTrainer`` + peft LoRA r=16 on all linear layers +
  bitsandbytes nf4 (double quant, bf16 compute), sdpa, gradient checkpointing
  on, BFD packing (the issue's anchor); ``vanilla-bf16-lora``: the same on a bf16 base;
* ``llmsec-instruct-qlora`` / ``llmsec-instruct-bf16-lora``: what
  ``InstructionTuner`` runs (llmsec ``load_model`` + ``attach_adapter`` + trl
  ``SFTTrainer`` with ``build_training_args``, i.e. the GPU fast path);
* ``llmsec-instruct-qlora-ckpt``: the same with activation checkpointing kept on
  (``trainer: {activation_checkpointing: true}``), the memory-matched comparison:
  without checkpointing a Llama-1B block keeps ~119 KB of activations per token
  (``bench_activation_memory.py``), ~31 GB at 8 x 2048 tokens over 16 blocks;
* ``llmsec-pretrain-qlora``: what ``DomainPretrainer`` runs (EOS-joined blocks,
  document-masked collator, chunked LM head, fast path);

and the ladder of speed levers (``llmsec.train._levers``), each one more row in the same run,
named by ``+`` suffixes on an llmsec mode:

* ``llmsec-instruct-qlora+offload``: offloaded activation checkpointing (each layer's input
  in pinned CPU memory, recomputed inside the layer; the memory-matched baseline of the ladder);
* ``...+flex``: packed documents through flex_attention with a document block mask
  instead of a dense 4-D mask on sdpa;
* ``...+fused-lora``: LoRA folded into the base matmul (one saved copy of the input);
* ``...+dequant-once``: the fused function keeps each dequantized 4-bit weight for backward
  (two dequantizations per step under checkpointing instead of three);
* ``...+compile``: regional torch.compile of the decoder blocks;
* ``llmsec-pretrain-qlora+offload+flex+fused-lora+dequant-once``: the same levers for ``DomainPretrainer``;

reporting tokens/s (real tokens, after ``--warmup`` steps), peak GB
(``torch.cuda.max_memory_allocated``), MFU (6 x parameters x tokens/s over
``--peak-tflops``) and the loss at the last step; the per-step losses of
vanilla and llmsec SFT on the same data and seed are compared. Then inference:
generation tokens/s and classification samples/s, 4-bit against bf16.

    python benchmarks/bench_train_gpu.py [--peak-tflops 989] [--steps 20] [--out results.json]
    python benchmarks/bench_train_gpu.py --tiny      # the same code paths on the CPU, in seconds
    python benchmarks/bench_train_gpu.py --profile --modes vanilla-qlora   # where a step's time goes

``--profile`` runs torch.profiler over ``--profile-steps`` steps of each mode named,
prints the share of step time by category (``profile_summary.py``) and the top
kernels (CPU ops on the CPU), and writes the chrome trace (``*.json.gz``, open it in
Perfetto or chrome://tracing) and the summary JSON.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import platform
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "train_gpu.json"
EOS = 2

# Tolerance on the max abs difference of per-step losses, vanilla vs llmsec SFT, same data and seed.
# GPU: bf16 autocast, different kernels (liger, fused LM head) and the paged 8-bit AdamW against
# trl's fp32 AdamW move the loss by a few 1e-3 over 20 steps at a loss of ~11.8; fp32 on the CPU is exact.
LOSS_TOL = {"gpu": 0.05, "cpu": 1e-3}

TRAIN_MODES = ["vanilla-qlora", "llmsec-instruct-qlora", "llmsec-instruct-qlora-ckpt", "llmsec-pretrain-qlora",
               "vanilla-bf16-lora", "llmsec-instruct-bf16-lora"]
LADDER = ["llmsec-instruct-qlora+offload", "llmsec-instruct-qlora+offload+flex",
          "llmsec-instruct-qlora+offload+flex+fused-lora", "llmsec-instruct-qlora+offload+flex+fused-lora+dequant-once",
          "llmsec-instruct-qlora+offload+flex+fused-lora+dequant-once+compile",
          "llmsec-pretrain-qlora+offload+flex+fused-lora+dequant-once"]
# Not in --tiny's default set: inductor compiles for minutes on a small CPU (run it by name).
SLOW_ON_CPU = ("compile",)
PAIRS = {"qlora": ("vanilla-qlora", "llmsec-instruct-qlora"),
         "qlora-ckpt": ("vanilla-qlora", "llmsec-instruct-qlora-ckpt"),
         "bf16-lora": ("vanilla-bf16-lora", "llmsec-instruct-bf16-lora")}
RESULTS_PROFILE = RESULTS.with_name("profile.json")


def split_mode(mode: str) -> tuple[str, list[str]]:
    """``"llmsec-instruct-qlora+offload+flex"`` -> ``("llmsec-instruct-qlora", ["offload", "flex"])``."""
    base, *levers = mode.split("+")
    return base, levers


def check_mode(mode: str) -> str:
    """An argparse type: a train mode, optionally an llmsec mode with ``+lever`` suffixes."""
    from llmsec.train._levers import LEVERS

    base, levers = split_mode(mode)
    if base not in TRAIN_MODES or (levers and not base.startswith("llmsec")) or any(v not in LEVERS for v in levers):
        raise argparse.ArgumentTypeError(f"{mode!r}: a mode is one of {TRAIN_MODES}, and an llmsec mode may add "
                                         f"'+lever' suffixes from {list(LEVERS)}")
    return mode


def pair_name(mode: str) -> str:
    """The loss-agreement row of a ladder mode: vs vanilla for SFT, vs the plain pre-training row for pre-training."""
    base, levers = split_mode(mode)
    return ("pretrain" if "pretrain" in base else base.removeprefix("llmsec-instruct-")) + "+" + "+".join(levers)


def reference_mode(mode: str) -> str:
    base, _ = split_mode(mode)
    return base if "pretrain" in base else PAIRS[base.removeprefix("llmsec-instruct-")][0]


def shape(tiny: bool) -> dict[str, Any]:
    if tiny:
        return dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, vocab_size=512)
    return dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                num_key_value_heads=8, vocab_size=128256)


def build_model_dir(tiny: bool, dtype: Any, seed: int, seq_len: int) -> Path:
    """Save a seeded random Llama of the benchmark's shape; every mode loads the same weights."""
    import torch
    from tokenizers import Tokenizer, models
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    torch.manual_seed(seed)
    cfg = LlamaConfig(**shape(tiny), tie_word_embeddings=True, max_position_embeddings=max(seq_len, 2048),
                      rope_theta=500000.0, bos_token_id=1, eos_token_id=EOS, pad_token_id=0,
                      attn_implementation="sdpa")
    model = LlamaForCausalLM(cfg).to(dtype)
    out = Path(tempfile.mkdtemp(prefix="bench-train-gpu-"))
    model.save_pretrained(out)
    vocab = {f"t{i}": i for i in range(cfg.vocab_size)}
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.WordLevel(vocab, unk_token="t3")),
                                  pad_token="t0", bos_token="t1", eos_token="t2", unk_token="t3")
    tok.save_pretrained(out)
    del model
    return out


def synthetic_docs(n_tokens: int, seq_len: int, vocab: int, seed: int) -> list[list[int]]:
    """Variable-length documents (each ending in EOS) totalling about ``n_tokens``."""
    rng = random.Random(seed)
    docs, total = [], 0
    while total < n_tokens:
        n = rng.randint(max(4, seq_len // 16), seq_len)
        docs.append([rng.randrange(3, vocab) for _ in range(n - 1)] + [EOS])
        total += n
    return docs


class Meter:
    """Counts real tokens per forward and times optimizer steps (the first step is warm-up)."""

    def __init__(self, model: Any) -> None:
        import torch
        from transformers import TrainerCallback

        self.tokens: list[int] = []
        self.times: list[float] = []
        self._step_tokens = 0
        self._t0 = 0.0
        meter = self

        def hook(module: Any, args: tuple, kwargs: dict) -> None:
            if not module.training:
                return
            mask = kwargs.get("attention_mask")
            ids = kwargs.get("input_ids", args[0] if args else None)
            meter._step_tokens += int(mask.sum()) if mask is not None else int(ids.numel())

        model.register_forward_pre_hook(hook, with_kwargs=True)

        def sync() -> None:
            if torch.cuda.is_available():
                torch.cuda.synchronize()

        class CB(TrainerCallback):
            def on_step_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
                sync()
                meter._step_tokens = 0
                meter._t0 = time.perf_counter()

            def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
                sync()
                meter.times.append(time.perf_counter() - meter._t0)
                meter.tokens.append(meter._step_tokens)

        self.callback = CB()

    def tokens_per_s(self, warmup: int = 1) -> float:
        """Real tokens over seconds of the steps after ``warmup`` (compilation and allocator warm-up)."""
        times, tokens = self.times[warmup:] or self.times, self.tokens[warmup:] or self.tokens
        return sum(tokens) / max(sum(times), 1e-9)


def step_losses(trainer: Any) -> list[float]:
    return [float(e["loss"]) for e in trainer.state.log_history if "loss" in e and "train_loss" not in e]


def bnb_quant(cuda: bool) -> Any:
    """nf4 double-quant bf16-compute config, or None where 4-bit is skipped (the CPU)."""
    if not cuda:
        return None
    from llmsec.config import QuantizationConfig
    from llmsec.models._quant import bnb_config

    return bnb_config(QuantizationConfig(bits=4, quant_type="nf4", double_quant=True, compute_dtype="bfloat16"))


class StepProfiler:
    """A trainer callback that advances a ``torch.profiler`` schedule at every optimizer step."""

    def __init__(self, prof: Any) -> None:
        from transformers import TrainerCallback

        class CB(TrainerCallback):
            def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
                prof.step()

        self.prof, self.callback = prof, CB()


def run_mode(mode: str, a: argparse.Namespace, model_dir: Path, docs: list[list[int]], cuda: bool,
             profiler: StepProfiler | None = None) -> dict[str, Any]:
    import torch
    from datasets import Dataset
    from transformers import set_seed

    mode, levers = split_mode(mode)
    lever_report: dict[str, str] = {}

    quantized = "qlora" in mode and cuda
    dtype = torch.bfloat16 if cuda else torch.float32
    common = dict(max_steps=a.steps, per_device_train_batch_size=a.batch, logging_steps=1, learning_rate=2e-4,
                  lr_scheduler_type="constant", warmup_steps=0, save_strategy="no", report_to="none",
                  disable_tqdm=True, dataloader_num_workers=0)
    work = Path(tempfile.mkdtemp(prefix=f"bench-{mode}-"))
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    set_seed(a.seed)
    if mode.startswith("vanilla"):
        from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
        from transformers import AutoModelForCausalLM
        from trl import SFTConfig, SFTTrainer

        kw: dict[str, Any] = {"dtype": dtype, "attn_implementation": "sdpa"}
        if quantized:
            kw.update(quantization_config=bnb_quant(cuda), device_map={"": 0})
        model = AutoModelForCausalLM.from_pretrained(model_dir, **kw)
        if quantized:
            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)
        set_seed(a.seed)
        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear",
                                                 task_type="CAUSAL_LM"))
        args = SFTConfig(output_dir=str(work), seed=a.seed, data_seed=a.seed, max_length=a.seq_len, packing=True,
                         packing_strategy="bfd", gradient_checkpointing=True, bf16=cuda,
                         dataloader_pin_memory=cuda, use_cpu=not cuda, **common)
        meter = Meter(model)
        trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_dict({"input_ids": docs}),
                             callbacks=[meter.callback])
    else:
        from llmsec.config import AdapterConfig, ModelConfig, QuantizationConfig
        from llmsec.models import attach_adapter, load_model
        from llmsec.train._args import build_training_args

        if (a.llmsec_checkpointing or mode.endswith("-ckpt")) and "offload" not in levers:
            common["activation_checkpointing"] = True  # a trainer: key, as a recipe sets it (user keys win)

        quant = QuantizationConfig() if quantized else None
        method = "qlora" if quantized else "lora"
        model = load_model(ModelConfig(name=str(model_dir), dtype="bfloat16" if cuda else "float32"),
                           quantization=quant)
        set_seed(a.seed)
        model = attach_adapter(model, AdapterConfig(method=method, r=16, alpha=32, dropout=0.0,
                                                    quantization=quant), task="causal-lm")
        if levers:
            from llmsec.train._fastpath import apply_training_levers

            lever_report = apply_training_levers(model, levers, device_type="cuda" if cuda else "cpu")
        meter = Meter(model)
        if "instruct" in mode:
            from trl import SFTTrainer

            args = build_training_args(common, output_dir=work, seed=a.seed, sft=True, max_length=a.seq_len,
                                       stage_kind="instruct")
            if not cuda:  # the fast path is GPU-only; pack the same way so the losses compare
                args.packing, args.packing_strategy = True, "bfd"
            trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_dict({"input_ids": docs}),
                                 callbacks=[meter.callback])
        else:
            from transformers import Trainer

            from llmsec.train._fastpath import add_chunked_lm_head, keep_liger_off_the_lm_head, pretrain_collate

            flat = [t for d in docs for t in d]
            blocks = [flat[i:i + a.seq_len] for i in range(0, len(flat) - a.seq_len + 1, a.seq_len)]
            args = build_training_args(common, output_dir=work, seed=a.seed, stage_kind="pretrain",
                                       prediction_loss_only=True)
            # As DomainPretrainer on CUDA (fused_lm_head); on the CPU too here, so --tiny runs that path.
            keep_liger_off_the_lm_head(args)
            trainer = Trainer(model=model, args=args, train_dataset=Dataset.from_dict({"input_ids": blocks}),
                              data_collator=pretrain_collate(model, EOS, document_mask=True, fused_lm_head=True),
                              callbacks=[meter.callback])
            add_chunked_lm_head(trainer.model)
    if profiler is not None:
        trainer.add_callback(profiler.callback)
        with profiler.prof:
            trainer.train()
    else:
        trainer.train()
    n_params = param_count(a.tiny)  # counted from the shape: 4-bit storage hides the true count
    tps = meter.tokens_per_s(a.warmup)
    row = {
        "mode": "+".join([mode, *levers]), "quantized": quantized, "tokens_per_s": tps, "levers": lever_report,
        "peak_gb": torch.cuda.max_memory_allocated() / 1e9 if cuda else 0.0,
        "mfu": 6 * n_params * tps / (a.peak_tflops * 1e12),
        "loss_last": step_losses(trainer)[-1], "losses": step_losses(trainer),
        "settings": {**{k: getattr(trainer.args, k, None) for k in
                        ("bf16", "optim", "use_liger_kernel", "padding_free", "packing")},
                     # transformers >= 5.2x spells it activation_checkpointing, 5.17 (the GPU image) gradient_
                     "activation_checkpointing": getattr(trainer.args, "activation_checkpointing",
                                                         getattr(trainer.args, "gradient_checkpointing", None))},
    }
    del trainer, model
    shutil.rmtree(work, ignore_errors=True)
    gc.collect()
    if cuda:
        torch.cuda.empty_cache()
    return row


def run_all(modes: list[str], run: Callable[[str], dict[str, Any]],
            cuda: bool) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Run each mode; one that raises (an OOM, a kernel a lever cannot compile) is recorded and the rest still run.

    On a GPU lent for a few minutes, one failing row must not cost the others.
    """
    rows, failed = [], []
    for mode in modes:
        try:
            rows.append(run(mode))
        except Exception as e:  # reported in the results; the run goes on
            traceback.print_exc()
            failed.append({"mode": mode, "error": f"{type(e).__name__}: {e}"[:2000]})
            gc.collect()
            if cuda:
                import torch

                torch.cuda.empty_cache()
    return rows, failed


def param_count(tiny: bool) -> int:
    s = shape(tiny)
    h, i, n, v = s["hidden_size"], s["intermediate_size"], s["num_hidden_layers"], s["vocab_size"]
    kv = h // s["num_attention_heads"] * s["num_key_value_heads"]
    per_layer = h * h * 2 + h * kv * 2 + 3 * h * i + 2 * h
    return n * per_layer + v * h + h  # tied embeddings counted once


def inference(a: argparse.Namespace, model_dir: Path, cuda: bool) -> list[dict[str, Any]]:
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    rows = []
    gen_batch, prompt, new = (2, 16, 8) if a.tiny else (8, 128, 128)
    cls_batch, cls_len, cls_iters = (4, 32, 3) if a.tiny else (32, 512, 10)
    device = "cuda" if cuda else "cpu"
    g = torch.Generator().manual_seed(a.seed)
    vocab = shape(a.tiny)["vocab_size"]
    for precision in ("4bit", "bf16"):
        quant = bnb_quant(cuda) if precision == "4bit" else None
        kw: dict[str, Any] = {"dtype": torch.bfloat16 if cuda else torch.float32}
        if quant is not None:
            kw.update(quantization_config=quant, device_map={"": 0})
        note = "" if quant is not None or precision == "bf16" else "4-bit skipped on the CPU (unquantized fp32)"
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        lm = AutoModelForCausalLM.from_pretrained(model_dir, **kw).eval()
        if quant is None:
            lm.to(device)
        ids = torch.randint(3, vocab, (gen_batch, prompt), generator=g).to(device)
        with torch.no_grad():
            lm.generate(ids, max_new_tokens=2, min_new_tokens=2, do_sample=False)  # warm-up
            if cuda:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            lm.generate(ids, max_new_tokens=new, min_new_tokens=new, do_sample=False)
            if cuda:
                torch.cuda.synchronize()
            gen_s = time.perf_counter() - t0
        del lm
        ckw = dict(kw)
        if quant is not None:
            from llmsec.config import QuantizationConfig
            from llmsec.models._quant import bnb_config

            ckw["quantization_config"] = bnb_config(QuantizationConfig(), skip_modules=["score"])
        clf = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=2, **ckw).eval()
        if quant is None:
            clf.to(device)
        x = torch.randint(3, vocab, (cls_batch, cls_len), generator=g).to(device)
        with torch.no_grad():
            clf(input_ids=x)
            if cuda:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            for _ in range(cls_iters):
                clf(input_ids=x)
            if cuda:
                torch.cuda.synchronize()
            cls_s = time.perf_counter() - t0
        rows.append({"precision": precision, "quantized": quant is not None,
                     "generate_tokens_per_s": gen_batch * new / gen_s,
                     "classify_samples_per_s": cls_batch * cls_iters / cls_s,
                     "peak_gb": torch.cuda.max_memory_allocated() / 1e9 if cuda else 0.0, "note": note})
        del clf
        gc.collect()
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tiny", action="store_true", help="2-layer hidden-64 model on the CPU, fp32, 3 steps")
    p.add_argument("--steps", type=int, default=None, help="optimizer steps per mode (default 20; tiny 3)")
    p.add_argument("--seq-len", type=int, default=None, help="default 2048; tiny 128")
    p.add_argument("--batch", type=int, default=None, help="default 8; tiny 2")
    p.add_argument("--peak-tflops", type=float, default=989.0,
                   help="the card's dense bf16 peak: 989 H100 SXM; 790 measured on the H200 (issue 9)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--llmsec-checkpointing", action="store_true",
                   help="keep activation checkpointing on in the llmsec modes (when memory must stay <= vanilla)")
    p.add_argument("--modes", nargs="*", default=None, type=check_mode, metavar="MODE",
                   help=f"train modes (default: all, then the ladder; --tiny leaves out +compile). Modes: "
                        f"{', '.join(TRAIN_MODES)}; an llmsec mode may add +offload, +flex, +fused-lora, "
                        f"+dequant-once, +compile")
    p.add_argument("--warmup", type=int, default=None,
                   help="steps left out of tokens/s (default 3: compilation and recompilation for a new "
                        "sequence length land there; tiny 1)")
    p.add_argument("--profile", action="store_true",
                   help="profile each mode named (default llmsec-instruct-qlora-ckpt) instead of the full benchmark")
    p.add_argument("--profile-steps", type=int, default=None, help="steps recorded after 1 skipped + 1 warm-up "
                                                                  "(default 3; tiny 2)")
    p.add_argument("--out", type=Path, default=None, help=f"JSON path (default {RESULTS.name}, tiny: *_tiny.json)")
    a = p.parse_args(argv)
    a.steps = a.steps or (3 if a.tiny else 20)
    a.seq_len = a.seq_len or (128 if a.tiny else 2048)
    a.batch = a.batch or (2 if a.tiny else 8)
    a.warmup = a.warmup if a.warmup is not None else (1 if a.tiny else 3)
    if a.profile:
        return profile_main(a)
    if a.modes is None:
        a.modes = TRAIN_MODES + [m for m in LADDER if not (a.tiny and any(v in SLOW_ON_CPU for v in split_mode(m)[1]))]
    a.out = a.out or (RESULTS.with_name("train_gpu_tiny.json") if a.tiny else RESULTS)

    import torch

    cuda = torch.cuda.is_available() and not a.tiny
    if not cuda and not a.tiny:
        sys.exit("no CUDA device: run with --tiny on the CPU")
    torch.use_deterministic_algorithms(False)
    model_dir = build_model_dir(a.tiny, torch.bfloat16 if cuda else torch.float32, a.seed, a.seq_len)
    docs = synthetic_docs(int(a.steps * a.batch * a.seq_len * 1.3), a.seq_len, shape(a.tiny)["vocab_size"], a.seed)
    done: list[dict[str, Any]] = []

    def run_and_save(mode: str) -> dict[str, Any]:  # rows so far survive a run stopped at its time limit
        done.append(run_mode(mode, a, model_dir, docs, cuda))
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps({"partial": True, "train": done}, indent=2) + "\n")
        return done[-1]

    rows, failed = run_all(a.modes, run_and_save, cuda)
    by = {r["mode"]: r for r in rows}
    tol = LOSS_TOL["gpu" if cuda else "cpu"]
    compare = {}
    for name, (van, ours) in PAIRS.items():
        if van in by and ours in by:
            n = min(len(by[van]["losses"]), len(by[ours]["losses"]))
            diff = max(abs(x - y) for x, y in zip(by[van]["losses"][:n], by[ours]["losses"][:n], strict=True))
            compare[name] = {"steps": n, "max_abs_loss_diff": diff, "tolerance": tol, "ok": diff <= tol,
                             "speedup": by[ours]["tokens_per_s"] / by[van]["tokens_per_s"],
                             "memory_ratio": (by[ours]["peak_gb"] / by[van]["peak_gb"]) if cuda else None}
    for mode in (m for m in a.modes if "+" in m):  # the ladder: each row against its reference
        ref = reference_mode(mode)
        if ref in by:
            n = min(len(by[ref]["losses"]), len(by[mode]["losses"]))
            diff = max(abs(x - y) for x, y in zip(by[ref]["losses"][:n], by[mode]["losses"][:n], strict=True))
            compare[pair_name(mode)] = {
                "steps": n, "reference": ref, "max_abs_loss_diff": diff, "tolerance": tol, "ok": diff <= tol,
                "speedup": by[mode]["tokens_per_s"] / by[ref]["tokens_per_s"],
                "memory_ratio": (by[mode]["peak_gb"] / by[ref]["peak_gb"]) if cuda else None}
    infer = inference(a, model_dir, cuda)
    shutil.rmtree(model_dir, ignore_errors=True)
    result = {
        "device": torch.cuda.get_device_name(0) if cuda else f"cpu ({platform.processor() or platform.machine()})",
        "tiny": a.tiny, "steps": a.steps, "warmup": a.warmup, "seq_len": a.seq_len, "batch": a.batch,
        "peak_tflops": a.peak_tflops,
        "params": param_count(a.tiny),
        "versions": {m: _version(m) for m in ("torch", "transformers", "trl", "peft", "bitsandbytes", "liger_kernel")},
        "notes": [] if cuda else ["CPU --tiny run: fp32, bitsandbytes 4-bit skipped (qlora modes run unquantized), "
                                  "no GPU fast path, flex_attention skipped (no CPU backward); "
                                  "peak_gb not measured (0)"],
        "train": rows, "failed": failed, "loss_agreement": compare, "inference": infer,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    return result


def profile_main(a: argparse.Namespace) -> dict[str, Any]:
    """``--profile``: torch.profiler over a few steps of each mode named; summary printed, trace + JSON written."""
    import torch
    from profile_summary import format_summary, load_trace, summarize
    from torch.profiler import ProfilerActivity, profile, schedule

    cuda = torch.cuda.is_available() and not a.tiny
    if not cuda and not a.tiny:
        sys.exit("no CUDA device: run with --tiny on the CPU")
    a.profile_steps = a.profile_steps or (2 if a.tiny else 3)
    a.steps = 2 + a.profile_steps  # one step skipped, one warm-up, then the recorded ones
    modes = a.modes or ["llmsec-instruct-qlora-ckpt"]
    out = a.out or (RESULTS_PROFILE.with_name("profile_tiny.json") if a.tiny else RESULTS_PROFILE)
    out.parent.mkdir(parents=True, exist_ok=True)
    model_dir = build_model_dir(a.tiny, torch.bfloat16 if cuda else torch.float32, a.seed, a.seq_len)
    docs = synthetic_docs(int(a.steps * a.batch * a.seq_len * 1.3), a.seq_len, shape(a.tiny)["vocab_size"], a.seed)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    result: dict[str, Any] = {"device": torch.cuda.get_device_name(0) if cuda else "cpu", "tiny": a.tiny,
                              "seq_len": a.seq_len, "batch": a.batch, "profiles": {}}
    profilers: dict[str, Any] = {}

    def run(mode: str) -> dict[str, Any]:
        profilers[mode] = profile(activities=activities, record_shapes=True,
                                  schedule=schedule(wait=1, warmup=1, active=a.profile_steps))
        return run_mode(mode, a, model_dir, docs, cuda, profiler=StepProfiler(profilers[mode]))

    for mode in modes:
        rows, failed = run_all([mode], run, cuda)
        if failed:
            result.setdefault("failed", []).extend(failed)
            continue
        row, prof = rows[0], profilers.pop(mode)
        trace = out.with_name(f"{out.stem}_{mode.replace('+', '_')}.trace.json.gz")
        prof.export_chrome_trace(str(trace))
        summary = summarize(load_trace(trace), vocab=shape(a.tiny)["vocab_size"], lora_r=16)
        result["profiles"][mode] = {"trace": str(trace.relative_to(ROOT) if trace.is_relative_to(ROOT) else trace),
                                    "tokens_per_s": row["tokens_per_s"], "peak_gb": row["peak_gb"], **summary}
        print(format_summary(summary, mode))
        print(f"  trace: {trace}")
    for f in result.get("failed", []):
        print(f"FAILED {f['mode']}: {f['error'][:300]}")
    shutil.rmtree(model_dir, ignore_errors=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _version(module: str) -> str | None:
    if importlib.util.find_spec(module) is None:
        return None
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module.replace("_", "-"))
    except PackageNotFoundError:
        return "?"


def print_table(r: dict[str, Any]) -> None:
    print(f"device: {r['device']}  seq {r['seq_len']} x batch {r['batch']}, {r['steps']} steps, "
          f"{r['params'] / 1e6:.1f}M params, peak {r['peak_tflops']} TFLOPS")
    for note in r["notes"]:
        print(f"note: {note}")
    width = max(28, *(len(row["mode"]) for row in r["train"]))
    print(f"{'mode':{width}} {'tokens/s':>10} {'peak GB':>8} {'MFU':>7} {'loss@last':>10}")
    for row in r["train"]:
        skipped = [f"{k} {v}" for k, v in row.get("levers", {}).items() if v.startswith("skipped")]
        print(f"{row['mode']:{width}} {row['tokens_per_s']:10.0f} {row['peak_gb']:8.2f} {row['mfu']:7.2%} "
              f"{row['loss_last']:10.4f}" + (f"  ({'; '.join(skipped)})" if skipped else ""))
    for f in r.get("failed", []):
        print(f"FAILED {f['mode']}: {f['error'][:300]}")
    for name, c in r["loss_agreement"].items():
        mem = f", memory x{c['memory_ratio']:.2f}" if c["memory_ratio"] is not None else ""
        ref = c.get("reference", "vanilla")
        print(f"{name}: speed x{c['speedup']:.2f} vs {ref}{mem}; max |loss diff| over {c['steps']} steps "
              f"{c['max_abs_loss_diff']:.2e} (tolerance {c['tolerance']:g}) {'OK' if c['ok'] else 'EXCEEDED'}")
    print(f"{'inference':10} {'generate tok/s':>15} {'classify samples/s':>19} {'peak GB':>8}")
    for row in r["inference"]:
        print(f"{row['precision']:10} {row['generate_tokens_per_s']:15.1f} {row['classify_samples_per_s']:19.1f} "
              f"{row['peak_gb']:8.2f} {row['note']}")
    if any(not math.isfinite(row["tokens_per_s"]) for row in r["train"]):
        print("warning: a non-finite throughput")


if __name__ == "__main__":
    main()
