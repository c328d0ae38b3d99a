"""load_tokenizer / load_model on tiny models: causal, classifier (decoder and encoder), errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from llmsec.config import ModelConfig
from llmsec.models import ModelNotFoundError, load_model, load_tokenizer


def test_tokenizer_has_pad_and_chat_template(tiny_llama_dir: Path) -> None:
    tok = load_tokenizer(str(tiny_llama_dir))
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<pad>"
    text = tok.apply_chat_template([{"role": "user", "content": "CWE-79?"}], tokenize=False,
                                   add_generation_prompt=True)
    assert text == "<|im_start|>user\nCWE-79?<|im_end|>\n<|im_start|>assistant\n"


def test_tokenizer_without_pad_gets_eos(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    tok.pad_token = None
    tok.save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text((tiny_llama_dir / "config.json").read_text())
    assert load_tokenizer(str(tmp_path)).pad_token == "<|im_end|>"


def test_causal_lm_loads_and_generates(tiny_llama_dir: Path) -> None:
    model = load_model(str(tiny_llama_dir))
    assert type(model).__name__ == "LlamaForCausalLM" and not model.training
    assert model.dtype == torch.float32
    out = model.generate(torch.tensor([[1, 5, 6]]), max_new_tokens=3, do_sample=False)
    assert out.shape == (1, 6)


def test_dtype_from_config(tiny_llama_dir: Path) -> None:
    model = load_model(ModelConfig(name=str(tiny_llama_dir), dtype="bfloat16"))
    assert model.dtype == torch.bfloat16


@pytest.mark.parametrize(("fixture", "head_name"), [("tiny_llama_dir", "score"), ("tiny_bert_dir", "classifier")])
def test_classifier_on_decoder_and_encoder(fixture: str, head_name: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(fixture)
    labels = ["benign", "phishing", "malware"]
    model = load_model(str(path), head="classifier", labels=labels)
    assert getattr(model, head_name).out_features == 3
    assert model.config.id2label == {0: "benign", 1: "phishing", 2: "malware"}
    assert model.config.label2id == {"benign": 0, "phishing": 1, "malware": 2}
    tok = load_tokenizer(str(path))
    assert model.config.pad_token_id == tok.pad_token_id is not None
    batch = tok(["SQL injection in login", "hi"], padding=True, return_tensors="pt")
    logits = model(**batch).logits
    assert logits.shape == (2, 3) and torch.isfinite(logits).all()


def test_classifier_label_checks(tiny_bert_dir: Path) -> None:
    with pytest.raises(ValueError, match="two distinct labels"):
        load_model(str(tiny_bert_dir), head="classifier", labels=["a", "a"])
    with pytest.raises(ValueError, match="head must be"):
        load_model(str(tiny_bert_dir), head="lm")  # type: ignore[arg-type]


def test_encoder_builtin_refuses_causal_head() -> None:
    with pytest.raises(ValueError, match="is an encoder"):
        load_model("minilm-l6")


def test_unknown_models_are_model_not_found(tmp_path: Path) -> None:
    for bad in ("no-such-org/no-such-model", str(tmp_path / "nothing"), "smollm2"):
        with pytest.raises(ModelNotFoundError, match="built-in name"):
            load_model(bad)
        with pytest.raises(ModelNotFoundError, match="built-in name"):
            load_tokenizer(bad)


def test_hub_miss_from_transformers_becomes_model_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    from llmsec.models import _resolve

    monkeypatch.setattr(_resolve, "hub_offline", lambda: False)  # pretend online: transformers fails
    with pytest.raises(ModelNotFoundError, match=r"'no-such-org/no-such-model' not found"):
        load_tokenizer("no-such-org/no-such-model")


def test_trust_remote_code_is_off_unless_asked(tiny_llama_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import transformers

    seen: list[Any] = []
    for cls in (transformers.AutoTokenizer, transformers.AutoModelForCausalLM,
                transformers.AutoModelForSequenceClassification):
        original = cls.from_pretrained.__func__

        def spy(klass: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            seen.append(kwargs.get("trust_remote_code"))
            return _original(klass, *args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", classmethod(spy))
    load_tokenizer(str(tiny_llama_dir))
    load_model(str(tiny_llama_dir))
    load_model(str(tiny_llama_dir), head="classifier", labels=["a", "b"])
    assert seen and all(value is False for value in seen)
    seen.clear()
    load_model(ModelConfig(name=str(tiny_llama_dir), trust_remote_code=True))
    assert seen == [True]
