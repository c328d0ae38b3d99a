"""EvalConfig: one typed definition of an evaluation, shared by the CLI and Python."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from llmsec.config import ModelConfig
from llmsec.eval import EvalConfig, evaluate


def test_fields_are_checked_and_normalised(tmp_path: Path) -> None:
    cfg = EvalConfig(model=tmp_path, data=tmp_path / "t.jsonl", quantize=4)
    assert cfg.model == ModelConfig(name=str(tmp_path)) and cfg.data == str(tmp_path / "t.jsonl")
    assert cfg.quantize == "4bit" and cfg.batch_size == 8 and cfg.contamination is True
    with pytest.raises(ValidationError, match="few_shots"):
        EvalConfig(model="m", few_shots=2)  # misspelled: an error, never silently dropped
    with pytest.raises(ValidationError, match="quantize must be '4bit' or '8bit', got '3bit'"):
        EvalConfig(model="m", quantize="3bit")
    with pytest.raises(ValidationError, match="batch_size"):
        EvalConfig(model="m", batch_size=0)


def test_keywords_are_the_config_and_fail_before_any_model_loads() -> None:
    with pytest.raises(ValueError, match="max_sample"):
        evaluate("no-such-model", task="sec-mcq", max_sample=3)


def test_a_config_and_its_keywords_give_the_same_result(tiny_llama_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "mcq.jsonl"
    data.write_text("".join(json.dumps({"question": f"Q{i}: which port does SSH use?", "choices": ["21", "22"],
                                        "answer": "B"}) + "\n" for i in range(3)))
    cfg = EvalConfig(model=tiny_llama_dir, task="mcq", data=data, max_new_tokens=2, contamination=False)
    by_config = evaluate(cfg)
    by_keywords = evaluate(tiny_llama_dir, task="mcq", data=data, max_new_tokens=2, contamination=False)
    assert by_config["metrics"] == by_keywords["metrics"] and by_config["n"] == 3
    assert evaluate(cfg, max_samples=1)["n"] == 1  # keywords override a config's fields
