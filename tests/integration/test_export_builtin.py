"""Export the built-in SmolLM2 with a LoRA adapter: merged folder, GGUF f16 and q8_0 loaded back by transformers.

Tolerances (measured by ``benchmarks/bench_export.py``, results/export.json, seeded adapter: f16 max
|diff| 0.044 = 0.12% of the largest logit, q8_0 1.03 = 2.7%; the same arg-max token at 100% and 94.6%
of 92 positions) are set with room for other platforms' arithmetic: f16 within 0.15 (0.5% of the
largest logit) with at least 97% the same arg-max (a near-tie may flip), q8_0 within 6% with at least 85%.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

from llmsec.models import BUILTIN_MODELS, export, gguf_logit_diff, load_tokenizer
from llmsec.models._gguf import repair_tokenizer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_export import PROMPTS, adapter_checkpoint, greedy_llama_cpp  # noqa: E402

BASE = "smollm2-135m-instruct"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if BUILTIN_MODELS[BASE].locate() is None:
        pytest.skip(f"built-in {BASE} not installed ({BUILTIN_MODELS[BASE].install})")
    tmp = tmp_path_factory.mktemp("export-smollm2")
    ckpt = adapter_checkpoint(tmp / "adapter")
    merged = export(ckpt, "merged")
    out = {"ckpt": ckpt, "merged": merged}
    for outtype in ("f16", "q8_0"):
        out[outtype] = export(merged, "gguf", tmp / f"smollm2-lora.{outtype}.gguf", outtype=outtype)
    return out


def test_portable_adapter_and_merged_folder(exported: dict[str, Path]) -> None:
    from transformers import AutoModelForCausalLM

    config = json.loads((exported["ckpt"] / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    record = json.loads((exported["merged"] / "llmsec-export.json").read_text())
    assert record["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    model = AutoModelForCausalLM.from_pretrained(exported["merged"])  # plain transformers
    assert model.config.tie_word_embeddings and model.config.num_hidden_layers == 30


def test_gguf_tokenizer_matches(exported: dict[str, Path]) -> None:
    from transformers import AutoTokenizer

    file = exported["f16"]
    back = AutoTokenizer.from_pretrained(file.parent, gguf_file=file.name)
    repair_tokenizer(back, file)  # older transformers read a GGUF's eos wrongly; llmsec's loader repairs it
    ref = load_tokenizer(str(exported["merged"]))
    for prompt in PROMPTS:
        assert back(prompt).input_ids == ref(prompt).input_ids
    assert back.eos_token == ref.eos_token == "<|im_end|>" and back.chat_template == ref.chat_template


@pytest.mark.parametrize(("outtype", "max_rel", "top1"), [("f16", 0.005, 0.97), ("q8_0", 0.06, 0.85)])
def test_gguf_logits_match_merged(exported: dict[str, Path], outtype: str, max_rel: float, top1: float) -> None:
    diff = gguf_logit_diff(exported[outtype], exported["merged"], PROMPTS)
    assert diff["max_rel"] < max_rel and diff["top1_agree"] >= top1, diff
    if outtype == "f16":
        assert diff["max_abs"] < 0.15, diff


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python is not installed")
def test_llama_cpp_greedy_tokens_match(exported: dict[str, Path]) -> None:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(exported["merged"], dtype=torch.float32).eval()
    tokenizer = load_tokenizer(str(exported["merged"]))
    ids = torch.tensor([tokenizer(PROMPTS[1]).input_ids])
    expected = model.generate(ids, max_new_tokens=16, do_sample=False)[0, ids.shape[1]:].tolist()
    got = greedy_llama_cpp(exported["f16"], PROMPTS[1], n=len(expected))
    assert got == expected
