"""The preference stage (DPO, KTO) on a tiny random Llama: it trains, saves, counts bad pairs, and chains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from llmsec.config import AdapterConfig, DataConfig, InstructStage, PreferenceStage
from llmsec.data import EmptyDatasetError
from llmsec.train import MANIFEST, InstructionTuner, Stage, read_checkpoint
from llmsec.train.preference_tuner import PreferenceTuner

# trl 1.16's DPO/KTO reference pass reads ``model.is_gradient_checkpointing``, which transformers 5.2x deprecates
# (trl/models/utils.py, disable_gradient_checkpointing): upstream drift, not ours; drop this once trl reads
# ``is_activation_checkpointing``.
pytestmark = pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")

STEPS = {"max_steps": 3, "per_device_train_batch_size": 2, "learning_rate": 5e-2, "logging_steps": 1}
PAIRS = [
    ("Copy the string s into the buffer b of size n.", "snprintf(b, n, \"%s\", s);", "strcpy(b, s);"),
    ("Read a line from stdin into b.", "fgets(b, n, stdin);", "gets(b);"),
    ("Query users by name.", "db.execute('SELECT * FROM u WHERE n=?', (name,))",
     "db.execute(\"SELECT * FROM u WHERE n='\" + name + \"'\")"),
    ("Run ping on a host.", "subprocess.run(['ping', host], check=True)", "os.system('ping ' + host)"),
]


@pytest.fixture
def pairs_file(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.jsonl"
    rows = [{"prompt": p, "chosen": c, "rejected": r, "group": f"g{i}"} for i, (p, c, r) in enumerate(PAIRS)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _weights(path: Path, name: str) -> dict[str, torch.Tensor]:
    return load_file(str(path / name))


def test_the_tuner_is_a_stage() -> None:
    assert isinstance(PreferenceTuner.__new__(PreferenceTuner), Stage)


def test_dpo_lora_trains_and_saves_only_its_own_adapter(tiny_llama_dir: Path, pairs_file: Path,
                                                        tmp_path: Path) -> None:
    stage = PreferenceStage(data=DataConfig(train=str(pairs_file), eval=str(pairs_file), format="preference"),
                            max_length=64, max_prompt_length=48, trainer={**STEPS, "eval_strategy": "no"})
    ckpt = PreferenceTuner(stage, output_dir=tmp_path / "dpo").run(tiny_llama_dir)
    assert ckpt.kind == "preference" and (ckpt.path / MANIFEST).is_file()
    saved = _weights(ckpt.path, "adapter_model.safetensors")
    lora_b = [w for k, w in saved.items() if "lora_B" in k]
    assert lora_b and any(float(w.abs().sum()) > 0 for w in lora_b), "training must move the LoRA B matrices"
    assert not (ckpt.path / "ref").exists() and not any(".ref." in k for k in saved), "trl's ref adapter is dropped"
    assert ckpt.metrics["train_steps"] == 3
    assert "eval_rewards/accuracies" in ckpt.metrics and "train_reward_margins" in ckpt.metrics
    assert ckpt.manifest["preference"]["method"] == "dpo" and ckpt.manifest["data"]["train_rows"] == 4


def test_kto_full_changes_weights_and_unpairs_the_pairs(tiny_llama_dir: Path, pairs_file: Path,
                                                        tmp_path: Path) -> None:
    stage = PreferenceStage(method="kto", data=DataConfig(train=str(pairs_file), format="preference"),
                            adapter=AdapterConfig(method="full"), max_length=64, max_prompt_length=48,
                            trainer={**STEPS, "per_device_train_batch_size": 4})
    ckpt = PreferenceTuner(stage, output_dir=tmp_path / "kto").run(str(tiny_llama_dir))
    before, after = _weights(tiny_llama_dir, "model.safetensors"), _weights(ckpt.path, "model.safetensors")
    assert [k for k in before if not torch.equal(before[k], after[k])], "KTO left every weight unchanged"
    assert ckpt.manifest["data"]["train_rows"] == 8  # each pair: one desirable, one undesirable completion
    assert ckpt.manifest["preference"]["loss_type"] == "kto"


def test_prompts_over_the_token_budget_are_rejected_and_counted(tiny_llama_dir: Path, pairs_file: Path,
                                                                tmp_path: Path) -> None:
    long = {"prompt": "overflow " * 80, "chosen": "a", "rejected": "b"}
    with pairs_file.open("a") as fh:
        fh.write(json.dumps(long) + "\n")
    stage = PreferenceStage(data=DataConfig(train=str(pairs_file), format="preference"), max_length=64,
                            max_prompt_length=48, trainer=STEPS)
    ckpt = PreferenceTuner(stage, output_dir=tmp_path / "budget").run(tiny_llama_dir)
    counts = ckpt.manifest["data"]["counts"][0]
    assert (counts["read"], counts["loaded"], counts["rejected"]) == (5, 4, 1)
    with pytest.raises(EmptyDatasetError, match="prompt budget"):
        tight = stage.model_copy(update={"max_prompt_length": 2})
        PreferenceTuner(tight, output_dir=tmp_path / "none").run(tiny_llama_dir)


def test_other_records_and_method_mismatch_are_clear_errors(tiny_llama_dir: Path, data_dir: Path,
                                                            tmp_path: Path) -> None:
    stage = PreferenceStage(data=DataConfig(train=str(data_dir / "chat.jsonl")), max_length=64, max_prompt_length=32,
                            trainer=STEPS)
    with pytest.raises(TypeError, match="needs Preference records"):
        PreferenceTuner(stage, output_dir=tmp_path / "x").run(tiny_llama_dir)
    unpaired = tmp_path / "kto.jsonl"
    unpaired.write_text(json.dumps({"prompt": "p", "completion": "gets(b);", "label": False}) + "\n")
    stage = PreferenceStage(data=DataConfig(train=str(unpaired)), max_length=64, max_prompt_length=32, trainer=STEPS)
    with pytest.raises(ValueError, match="use method: kto"):
        PreferenceTuner(stage, output_dir=tmp_path / "y").run(tiny_llama_dir)
    with pytest.raises(ValueError, match="not a dpo loss"):
        PreferenceStage(data=DataConfig(train="x"), loss_type="kto")
    with pytest.raises(ValueError, match="below max_length"):
        PreferenceStage(data=DataConfig(train="x"), max_length=64)
    with pytest.raises(ValueError, match="Did you mean 'precompute_ref_log_probs'"):
        bad = PreferenceStage(data=DataConfig(train=str(unpaired)), method="kto", max_length=64, max_prompt_length=32,
                              method_args={"precompute_ref_log_prob": True}, trainer=STEPS)
        PreferenceTuner(bad, output_dir=tmp_path / "z").run(tiny_llama_dir)


def test_preference_after_instruction_tuning_uses_it_as_reference(tiny_llama_dir: Path, data_dir: Path,
                                                                   pairs_file: Path, tmp_path: Path) -> None:
    sft = InstructionTuner(InstructStage(data=DataConfig(train=str(data_dir / "chat.jsonl")), max_length=64,
                                         trainer=STEPS), output_dir=tmp_path / "0-sft").run(tiny_llama_dir)
    stage = PreferenceStage(data=DataConfig(train=str(pairs_file)), max_length=64, max_prompt_length=48,
                            loss_type="ipo", trainer=STEPS)
    ckpt = PreferenceTuner(stage, output_dir=tmp_path / "1-dpo").run(sft)
    assert ckpt.parent == str(sft.path) and read_checkpoint(ckpt.path).kind == "preference"
    assert ckpt.manifest["preference"]["loss_type"] == ["ipo"]
    first = next(h for h in ckpt.manifest["log_history"] if "rewards/margins" in h)
    # at step 1 the policy is the reference (the fresh adapter is zero), so the implicit rewards start at 0
    assert abs(first["rewards/margins"]) < 1e-4


def test_a_split_train_source_is_evaluated_on_its_held_out_side(tmp_path: Path) -> None:
    from llmsec.train._common import load_split

    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"p{g}-{k}", "chosen": "a", "rejected": "b", "group": f"g{g}"}) + "\n"
                            for g in range(30) for k in range(2)))
    data = DataConfig(train=str(path), eval=str(path), format="preference", options={"split": "train"})
    for stage in (PreferenceStage(data=data), InstructStage(data=data)):
        train, _ = load_split(stage, "train")
        held_out, _ = load_split(stage, "eval")
        assert train and held_out and not {r.group for r in train} & {r.group for r in held_out}
        assert len(train) + len(held_out) == 60
