"""The model card: huggingface_hub metadata with the upstream base and model-index, lineage and data in the body."""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub import ModelCard

from llmsec.eval import model_card, write_model_card
from llmsec.eval._metric_registry import metric_title

UPSTREAM = "HuggingFaceTB/SmolLM2-135M-Instruct"


def _stage(path: Path, kind: str, base: str, parent: Path | None, chain: list[dict], fingerprint: str) -> Path:
    path.mkdir(parents=True)
    manifest = {
        "format_version": 1, "stage": {"kind": kind, "data": {}}, "base": base,
        "parent": str(parent) if parent else None, "base_model": str(parent) if parent else UPSTREAM,
        "chain": chain, "adapter": "lora", "metrics": {"train_loss": 1.25},
        "data": {"format": "jsonl", "train": {"source": f"{kind}.jsonl", "fingerprint": fingerprint}},
    }
    (path / "llmsec.json").write_text(json.dumps(manifest))
    return path


def _chain(tmp_path: Path) -> Path:
    first = _stage(tmp_path / "pretrain", "pretrain", "smollm2-135m-instruct", None, [], "fp-pretrain-0001")
    chain = [{"kind": "pretrain", "path": "../pretrain", "adapter": "lora", "base_model": UPSTREAM, "merge": True}]
    return _stage(tmp_path / "instruct", "instruct", str(first), first, chain, "fp-instruct-0002")


RESULT = {"task": "sec-mcq", "kind": "multiple-choice", "data": {"source": "mcq.jsonl", "format": "jsonl"},
          "n": 40, "method": "choice", "metrics": {"accuracy": 0.35, "not_a_metric": 1.0, "f1_macro": float("nan")}}


def test_card_names_the_upstream_base_and_indexes_results(tmp_path: Path) -> None:
    text = model_card(_chain(tmp_path), RESULT)
    card = ModelCard(text)  # huggingface_hub parses and validates it
    assert card.data.base_model == UPSTREAM  # not the built-in alias, not a local path
    assert card.data.library_name == "peft" and card.data.license == "apache-2.0"
    assert {"llmsec", "cyber-security", "sec-mcq", "instruct"} <= set(card.data.tags)
    [result] = card.data.eval_results  # NaN and unregistered metrics are left out
    assert (result.metric_type, result.metric_value, result.metric_name) == ("accuracy", 0.35, metric_title("accuracy"))
    assert (result.task_name, result.dataset_name) == ("sec-mcq", "mcq.jsonl")
    index = card.data.to_dict()["model-index"][0]
    assert index["name"] == "instruct" and index["results"][0]["metrics"][0]["type"] == "accuracy"


def test_card_body_has_loading_lineage_and_fingerprints(tmp_path: Path) -> None:
    body = ModelCard(model_card(_chain(tmp_path), [RESULT])).text
    assert f'AutoModelForCausalLM.from_pretrained("{UPSTREAM}")' in body
    assert 'PeftModel.from_pretrained(model, "../pretrain").merge_and_unload()' in body
    assert "llmsec export PATH --to gguf" in body
    assert "fp-pretrain-0001" in body and "fp-instruct-0002" in body
    assert f"| 0 | pretrain | `{UPSTREAM}` | lora | 1.2500 |" in body
    assert "## Results" in body and "## Limitations" in body and "Q4_1" in body


def test_write_model_card_without_results(tmp_path: Path) -> None:
    path = write_model_card(_chain(tmp_path), [])
    card = ModelCard.load(path)
    assert card.data.base_model == UPSTREAM and not card.data.eval_results
    assert "Not evaluated yet" in card.text
