"""Portable checkpoints: adapters name a base that resolves on another machine, and load there."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from llmsec.config import DataConfig, PretrainStage
from llmsec.models import BUILTIN_MODELS, BuiltinModel, load_model
from llmsec.models._compat import peft_model_warnings
from llmsec.models._portable import builtin_for, local_base, portable_name, upstream_id
from llmsec.train import DomainPretrainer

HUB_ID = "tiny-org/tiny-llama"
IDS = torch.tensor([[1, 40, 41, 42, 43, 44, 45, 46]])
STEPS = {"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 5e-2}


def test_builtins_name_their_upstream_hub_ids() -> None:
    assert upstream_id("smollm2-135m-instruct") == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert upstream_id("minilm-l6") == "sentence-transformers/all-MiniLM-L6-v2"
    assert portable_name("smollm2-135m-instruct") == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert portable_name("runs/x/pretrain") == "runs/x/pretrain"  # the user's own directory stays as spelled
    assert builtin_for("huggingfacetb/smollm2-135m-instruct") == "smollm2-135m-instruct"
    assert builtin_for("someone/else") is None
    assert all(m.upstream for m in BUILTIN_MODELS.values())


def _fake_hub_cache(root: Path, repo_id: str, model_dir: Path) -> Path:
    """A Hugging Face hub cache holding ``model_dir`` as ``repo_id`` (what a download leaves)."""
    repo = root / f"models--{repo_id.replace('/', '--')}"
    commit = "0" * 40
    shutil.copytree(model_dir, repo / "snapshots" / commit)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    return root


@pytest.fixture
def tiny_builtin(tiny_llama_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A built-in model ``tiny-builtin`` (a package carrying the tiny Llama) whose upstream is HUB_ID,
    with HUB_ID in a hub cache of its own: what another machine with the hub would download."""
    pkg = tmp_path / "pkgs" / "tiny_builtin_pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    shutil.copytree(tiny_llama_dir, pkg / "model")
    monkeypatch.syspath_prepend(str(pkg.parent))
    monkeypatch.setitem(BUILTIN_MODELS, "tiny-builtin", BuiltinModel(
        name="tiny-builtin", package="tiny-builtin-pkg", arch="causal-lm", description="test", licence="MIT",
        module="tiny_builtin_pkg", relpath="model", upstream=HUB_ID))
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(_fake_hub_cache(tmp_path / "hub", HUB_ID, tiny_llama_dir)))
    return "tiny-builtin"


def _stage(corpus: Path) -> PretrainStage:
    return PretrainStage(data=DataConfig(train=str(corpus)), max_length=16, trainer=STEPS)


def _peft(base: torch.nn.Module, adapter: Path) -> torch.nn.Module:
    from peft import PeftModel

    with peft_model_warnings():  # peft 0.21 reads a deprecated transformers attribute
        return PeftModel.from_pretrained(base, adapter)


def _logits(model: torch.nn.Module) -> torch.Tensor:
    with torch.no_grad():
        return model.eval()(input_ids=IDS).logits


def test_checkpoint_chain_loads_elsewhere_with_plain_transformers_and_peft(
    tiny_builtin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import AutoModelForCausalLM

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": t * 4}) + "\n" for t in (
        "SQL injection changes the query a program sends.", "A buffer overflow writes past a buffer.")))
    run = tmp_path / "run"
    first = DomainPretrainer(_stage(corpus), output_dir=run / "pretrain").run(tiny_builtin)
    second = DomainPretrainer(_stage(corpus), output_dir=run / "again", seed=7).run(first)

    # The adapters name the upstream id and the parent checkpoint, not $LLMSEC_HOME paths.
    assert json.loads((first.path / "adapter_config.json").read_text())["base_model_name_or_path"] == HUB_ID
    assert json.loads((second.path / "adapter_config.json").read_text())["base_model_name_or_path"] == str(first.path)
    assert first.manifest["base_model"] == HUB_ID and Path(first.manifest["base_local"]).is_dir()
    assert first.manifest["chain"] == []
    assert Path(second.manifest["base_local"]).parent.name == "merged"  # the merged parent under $LLMSEC_HOME
    assert second.manifest["chain"] == [{"kind": "pretrain", "path": "../pretrain", "adapter": "lora",
                                         "base_model": HUB_ID, "merge": True}]
    expected_first = _logits(load_model(str(first.path)))
    expected_second = _logits(load_model(str(second.path)))
    base_logits = _logits(AutoModelForCausalLM.from_pretrained(BUILTIN_MODELS[tiny_builtin].require()))
    assert not torch.allclose(expected_first, base_logits, atol=1e-4), "the adapter must change the model"
    assert not torch.allclose(expected_second, expected_first, atol=1e-4)

    # Another machine: the run folder copied elsewhere, the original gone, an empty llmsec cache.
    moved = tmp_path / "elsewhere" / "run"
    shutil.copytree(run, moved)
    shutil.rmtree(run)
    monkeypatch.setenv("LLMSEC_HOME", str(tmp_path / "fresh-home"))

    # Plain transformers + peft: the first adapter on the upstream id (from the hub cache).
    config = json.loads((moved / "pretrain" / "adapter_config.json").read_text())
    base = AutoModelForCausalLM.from_pretrained(config["base_model_name_or_path"])
    torch.testing.assert_close(_logits(_peft(base, moved / "pretrain")), expected_first,
                               rtol=1e-4, atol=1e-5)
    # The chain, rebuilt from the manifest: each earlier adapter merged in order, then this one.
    manifest = json.loads((moved / "again" / "llmsec.json").read_text())
    model = AutoModelForCausalLM.from_pretrained(manifest["chain"][0]["base_model"])
    for step in manifest["chain"]:
        model = _peft(model, moved / "again" / step["path"]).merge_and_unload()
    torch.testing.assert_close(_logits(_peft(model, moved / "again")), expected_second,
                               rtol=1e-4, atol=1e-5)

    # llmsec itself still finds local copies: the built-in for the upstream id, the moved parent.
    assert local_base(moved / "pretrain") == tiny_builtin
    assert local_base(moved / "again") == str(moved / "again" / "../pretrain")
    torch.testing.assert_close(_logits(load_model(str(moved / "again"))), expected_second, rtol=1e-4, atol=1e-5)


def test_plain_adapter_on_an_upstream_id_uses_the_builtin(tiny_builtin: str, tiny_llama_dir: Path,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An adapter trained elsewhere on the upstream model loads offline on the built-in copy."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))  # the upstream is not cached
    adapter = tmp_path / "foreign"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": HUB_ID}))
    assert local_base(adapter) == tiny_builtin
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "nobody/nothing"}))
    assert local_base(adapter) == "nobody/nothing"  # nothing local: the name itself, for the error message
