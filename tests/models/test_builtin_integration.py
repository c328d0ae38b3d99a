"""The real built-in models: SmolLM2 (GGUF, converted once) and MiniLM (encoder classifier)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from llmsec.models import BUILTIN_MODELS, list_models, load_model, load_tokenizer, resolve_model

pytestmark = pytest.mark.integration


def _needs(name: str) -> None:
    if BUILTIN_MODELS[name].locate() is None:
        pytest.skip(f"{BUILTIN_MODELS[name].package} is not installed: {BUILTIN_MODELS[name].install}")


@pytest.fixture
def smollm2_dir() -> Path:
    """Converted on first use into this session's LLMSEC_HOME (set per test by conftest), then cached."""
    _needs("smollm2-135m-instruct")
    return Path(resolve_model("smollm2-135m-instruct"))


def test_smollm2_converts_once(smollm2_dir: Path) -> None:
    assert (smollm2_dir / "model.safetensors").is_file() and (smollm2_dir / "config.json").is_file()
    stamp = (smollm2_dir / "model.safetensors").stat().st_mtime_ns
    start = time.perf_counter()
    assert resolve_model("smollm2-135m-instruct") == str(smollm2_dir)
    assert time.perf_counter() - start < 1.0
    assert (smollm2_dir / "model.safetensors").stat().st_mtime_ns == stamp  # not rewritten
    row = next(r for r in list_models() if r["name"] == "smollm2-135m-instruct")
    assert row["installed"] and row["cached"]


def test_smollm2_chat_generates(smollm2_dir: Path) -> None:
    tok = load_tokenizer("smollm2-135m-instruct")
    assert tok.eos_token == "<|im_end|>" and tok.pad_token is not None
    model = load_model("smollm2-135m-instruct")
    # read from the safetensors cache: a model loaded from the GGUF is flagged quantized
    assert getattr(model.config, "quantization_config", None) is None
    assert not getattr(model, "is_quantized", False)
    assert model.generation_config.eos_token_id == tok.eos_token_id
    messages = [{"role": "user", "content": "What is SQL injection? Answer in one sentence."}]
    inputs = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    assert "<|im_start|>assistant" in tok.decode(inputs["input_ids"][0])
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=16, do_sample=False)
    answer = tok.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()
    assert len(answer) > 5 and any(c.isalpha() for c in answer)


def test_minilm_two_label_classifier() -> None:
    _needs("minilm-l6")
    model = load_model("minilm-l6", head="classifier", labels=["benign", "malicious"])
    tok = load_tokenizer("minilm-l6")
    assert type(model).__name__ == "BertForSequenceClassification"
    assert model.config.id2label == {0: "benign", 1: "malicious"}
    assert model.config.pad_token_id == tok.pad_token_id == 0
    batch = tok(["powershell -enc SQBFAFgA", "hello world"], padding=True, return_tensors="pt")
    with torch.no_grad():
        probs = model(**batch).logits.softmax(-1)
    assert probs.shape == (2, 2)
    torch.testing.assert_close(probs.sum(-1), torch.ones(2))


def test_gguf_tokenizer_is_repaired_to_its_metadata() -> None:
    """What transformers 5.17 got wrong reading SmolLM2's GGUF (EOS, decoder) is put right from the file."""
    from tokenizers import decoders
    from transformers import AutoTokenizer

    from llmsec.models._gguf import repair_tokenizer

    _needs("smollm2-135m-instruct")
    gguf = BUILTIN_MODELS["smollm2-135m-instruct"].locate()
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    repair_tokenizer(tok, gguf)  # whatever this transformers version reads wrong (5.17: EOS and decoder)
    assert tok.eos_token == "<|im_end|>" and isinstance(tok.backend_tokenizer.decoder, decoders.ByteLevel)
    assert repair_tokenizer(tok, gguf) == []  # then nothing is left to change
    text = "flarum is a forum; CVE-2021-44228 in log4j"
    tok.eos_token = "<|im_start|>"  # as 5.17 left it
    tok.backend_tokenizer.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Fuse(),
                                                       decoders.Replace("▁", " "), decoders.ByteLevel()])
    fixed = repair_tokenizer(tok, gguf)
    assert fixed == ["eos_token '<|im_start|>' -> '<|im_end|>'", "decoder -> ByteLevel"]
    assert tok.eos_token == "<|im_end|>" and tok.decode(tok(text)["input_ids"]) == text
