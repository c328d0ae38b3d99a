"""Distributed training: global batch over N processes, accelerate configs, 2-process DDP == 1 process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from safetensors.torch import load_file
from typer.testing import CliRunner

from llmsec.config import recipe_from_dict
from llmsec.config._io import RecipeError
from llmsec.train import (
    Pipeline,
    accumulation_steps,
    build_training_args,
    check_accelerate_config,
    launch_command,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "accelerate").glob("*.yaml"))


def test_accumulation_keeps_the_global_batch() -> None:
    assert accumulation_steps(16, 2, 1) == 8
    assert accumulation_steps(16, 2, 4) == 2
    assert accumulation_steps(16, 4, 4) == 1
    with pytest.raises(ValueError) as err:
        accumulation_steps(16, 2, 3)
    msg = str(err.value)
    assert "global_batch_size 16 cannot be split over 3 process(es)" in msg and "multiple of 6" in msg
    assert "[1, 2, 4, 8]" in msg  # the process counts that fit


def test_training_args_use_world_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = build_training_args({"per_device_train_batch_size": 2}, output_dir=tmp_path, seed=1, global_batch_size=8)
    assert args.gradient_accumulation_steps == 4
    monkeypatch.setenv("WORLD_SIZE", "3")
    with pytest.raises(ValueError, match="cannot be split over 3 process"):
        build_training_args({"per_device_train_batch_size": 2}, output_dir=tmp_path, seed=1, global_batch_size=8)


def test_global_batch_and_accumulation_conflict() -> None:
    with pytest.raises((ValueError, RecipeError), match=r"either global_batch_size or trainer\.gradient_accumulation"):
        recipe_from_dict({"model": {"name": "m"}, "stages": [
            {"kind": "pretrain", "data": {"train": "x"}, "global_batch_size": 8,
             "trainer": {"gradient_accumulation_steps": 2}}]})


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_shipped_accelerate_configs_are_valid(path: Path) -> None:
    cfg = check_accelerate_config(path)
    kind = str(cfg.distributed_type)
    expected = {"ddp": "MULTI_GPU", "fsdp": "FSDP", "fsdp2-qlora": "FSDP", "deepspeed-zero2": "DEEPSPEED",
                "deepspeed-zero3": "DEEPSPEED"}[path.stem]
    assert kind.endswith(expected), (path, kind)
    if path.stem.startswith("deepspeed"):
        assert cfg.deepspeed_config["zero_stage"] == int(path.stem[-1])
    if path.stem == "fsdp2-qlora":
        assert cfg.fsdp_config["fsdp_version"] == 2


def test_examples_cover_every_engine() -> None:
    assert {p.stem for p in EXAMPLES} >= {"ddp", "fsdp", "fsdp2-qlora", "deepspeed-zero2", "deepspeed-zero3"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"distributed_type": "MULTI_GPU", "num_procesess": 2}, r"unknown keys \(\['num_procesess'\]\)"),
        ({"distributed_type": "MULTI_GPPU"}, "MULTI_GPPU"),
        ({"num_processes": 2}, "distributed_type` must be specified"),
        ({"distributed_type": "FSDP", "fsdp_config": {"fsdp_sharding_stratgy": "FULL_SHARD"}},
         "fsdp_config.fsdp_sharding_stratgy: not an accelerate launch setting. Did you mean 'fsdp_sharding_strategy'"),
        ({"distributed_type": "DEEPSPEED", "deepspeed_config": {"zero_stage": 5}}, "zero_stage: 5 is not 0, 1, 2 or 3"),
        ({"distributed_type": "FSDP", "fsdp_config": {"fsdp_version": 3}}, "fsdp_version: 3 is not 1 or 2"),
        ({"distributed_type": "MULTI_GPU", "mixed_precision": "fp12"}, "mixed_precision: 'fp12'"),
    ],
)
def test_invalid_accelerate_config_is_a_clear_error(tmp_path: Path, content: dict, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(content))
    with pytest.raises(ValueError, match=message) as err:
        check_accelerate_config(path)
    assert str(path) in str(err.value)


def test_missing_or_unparsable_config(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="accelerate config not found"):
        check_accelerate_config(tmp_path / "nope.yaml")
    bad = tmp_path / "broken.yaml"
    bad.write_text("distributed_type: [unclosed\n")
    with pytest.raises(ValueError, match="cannot read accelerate config"):
        check_accelerate_config(bad)


def test_launch_commands(tmp_path: Path) -> None:
    cmd = launch_command(["train", "r.yaml"], launcher="accelerate", num_processes=2, cpu=True)
    assert cmd[1:3] == ["-m", "accelerate.commands.launch"] and "--multi_gpu" in cmd  # gloo workers on the CPU
    assert cmd[cmd.index("--num_processes") + 1] == "2" and cmd[-4:] == ["-m", "llmsec", "train", "r.yaml"]
    ddp = next(p for p in EXAMPLES if p.stem == "ddp")
    cmd = launch_command(["train", "r.yaml"], launcher="accelerate", num_processes=4, accelerate_config=ddp, cpu=False)
    assert cmd[cmd.index("--config_file") + 1] == str(ddp)
    cmd = launch_command(["train", "r.yaml"], launcher="torchrun", num_processes=2)
    assert "torch.distributed.run" in cmd and "--nproc-per-node=2" in cmd
    with pytest.raises(ValueError, match="unknown launcher 'mpirun'"):
        launch_command([], launcher="mpirun", num_processes=2)
    zero3 = next(p for p in EXAMPLES if p.stem == "deepspeed-zero3")
    try:
        import deepspeed  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="DeepSpeed, which is not installed"):
            launch_command(["train"], launcher="accelerate", num_processes=2, accelerate_config=zero3)


def test_cli_rejects_a_bad_accelerate_config(tmp_path: Path) -> None:
    from llmsec.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text("distributed_type: FSDP\nfsdp_config: {fsdp_sharding_stratgy: FULL_SHARD}\n")
    result = CliRunner().invoke(app, ["train", "r.yaml", "--launcher", "accelerate", "--num-processes", "2",
                                      "--accelerate-config", str(bad)])
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "fsdp_sharding_stratgy" in out and "Did you mean 'fsdp_sharding_strategy'" in out


# ---- 2-process DDP on the CPU vs 1 process, same global batch and seed -------------------------

ATOL = 1e-5  # float32 on the CPU: DDP averages gradients in a different order than accumulation
RTOL = 1e-4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_recipe(model: Path, data: Path, out: Path) -> dict:
    fast = {"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 1e-2, "logging_steps": 1}
    common = {"global_batch_size": 4, "adapter": {"dropout": 0.0}, "trainer": fast}
    return {
        "model": {"name": str(model)}, "output_dir": str(out), "seed": 7,
        "stages": [
            {"kind": "pretrain", "max_length": 16, "data": {"train": str(data / "corpus.jsonl")}, **common},
            {"kind": "instruct", "max_length": 48, "data": {"train": str(data / "chat.jsonl")}, **common},
            {"kind": "transfer", "max_length": 32, "task": "vuln-detect",
             "data": {"train": str(data / "code.jsonl")}, **common},
        ],
    }


def _write_ddp_data(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    with (d / "corpus.jsonl").open("w") as fh:
        for i in range(24):
            fh.write(json.dumps({"text": f"Advisory {i}: CVE-2024-{i:04d} is a heap overflow in parser {i}."}) + "\n")
    with (d / "chat.jsonl").open("w") as fh:
        for i in range(8):
            fh.write(json.dumps({"messages": [{"role": "user", "content": f"What is CWE-{i + 20}?"},
                                              {"role": "assistant", "content": f"Weakness number {i + 20}."}]})
                     + "\n")
    with (d / "code.jsonl").open("w") as fh:
        for i in range(8):
            label = "vulnerable" if i % 2 else "safe"
            fh.write(json.dumps({"text": f"strcpy(buf{i}, input);" if i % 2 else f"snprintf(b{i}, 8, s);",
                                 "label": label}) + "\n")
    return d


@pytest.mark.slow
def test_two_process_ddp_matches_one_process(tiny_llama_dir: Path, tmp_path: Path) -> None:
    data = _write_ddp_data(tmp_path / "data")
    raw_two = _ddp_recipe(tiny_llama_dir, data, tmp_path / "ddp")
    recipe_path = tmp_path / "ddp.yaml"
    recipe_path.write_text(yaml.safe_dump(raw_two))
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "llmsec", "train", str(recipe_path), "--launcher", "accelerate",
           "--num-processes", "2"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    one = Pipeline(recipe_from_dict(_ddp_recipe(tiny_llama_dir, data, tmp_path / "one"))).run()
    two = [Pipeline(recipe_from_dict(raw_two)).stage_dir(i, s) for i, s in
           enumerate(recipe_from_dict(raw_two).stages)]
    for ref, path in zip(one, two, strict=True):
        manifest = json.loads((path / "llmsec.json").read_text())
        assert manifest["distributed"]["world_size"] == 2
        assert manifest["distributed"]["gradient_accumulation_steps"] == 1
        assert ref.manifest["distributed"]["gradient_accumulation_steps"] == 2
        assert manifest["distributed"]["global_batch_size"] == ref.manifest["distributed"]["global_batch_size"] == 4
        losses_one = [h["loss"] for h in ref.manifest["log_history"] if "loss" in h]
        losses_two = [h["loss"] for h in manifest["log_history"] if "loss" in h]
        assert len(losses_one) == len(losses_two) == 2
        assert losses_two == pytest.approx(losses_one, rel=RTOL, abs=ATOL)
        a = load_file(str(ref.path / "adapter_model.safetensors"))
        b = load_file(str(path / "adapter_model.safetensors"))
        assert a.keys() == b.keys()
        for key in a:
            diff = float((a[key] - b[key]).abs().max())
            assert diff <= ATOL + RTOL * float(a[key].abs().max()), (ref.kind, key, diff)
    assert not list((tmp_path / "ddp").rglob("samples.rank1.jsonl"))
