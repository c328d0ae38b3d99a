"""Attributions on tiny TransferTrainer checkpoints: completeness, methods, windows, errors."""

from __future__ import annotations

import itertools
import json
import math
import shutil
from pathlib import Path

import pytest
import torch

from llmsec.explain import EmptyInputError, Explainer, NotAClassifierError, explain
from llmsec.explain._attribute import attribute, baseline_ids, log_odds
from llmsec.explain._windows import encode, plan_windows

CODE = "void copy(char *s)\n{\n    char b[8];\n    strcpy(b, s);\n}"


@pytest.fixture(scope="module")
def bert(bert_ckpt: Path) -> Explainer:
    return Explainer.from_checkpoint(bert_ckpt)


@pytest.fixture(scope="module")
def llama(llama_lora_ckpt: Path) -> Explainer:
    return Explainer.from_checkpoint(llama_lora_ckpt)


def _completeness(ex: Explainer, n_steps: int) -> tuple[float, float]:
    enc = encode(ex.tokenizer, CODE)
    ids = torch.tensor([enc.prefix + enc.ids + enc.suffix])
    special = torch.tensor([[1] * len(enc.prefix) + [0] * len(enc.ids) + [1] * len(enc.suffix)])
    out = attribute(ex.model, ids, special, 1, method="ig", pad_id=ex.pad_id, n_steps=n_steps,
                    pooled_index=ex._pooled(ids))
    mask = torch.ones_like(ids)
    with torch.no_grad():
        fx = log_odds(ex.model(input_ids=ids, attention_mask=mask).logits.float(), 1)
        # the baseline replaces the embeddings, not the ids the classifier pools on: compare on embeddings
        emb = ex.model.get_input_embeddings()
        base = emb(baseline_ids(ids, special, ex.pad_id))
        handle = emb.register_forward_hook(lambda m, i, o: base)
        try:
            fb = log_odds(ex.model(input_ids=ids, attention_mask=mask).logits.float(), 1)
        finally:
            handle.remove()
    return float(out.scores.sum()), float(fx - fb)


@pytest.mark.parametrize("which", ["bert", "llama"])
def test_ig_completeness(which: str, request: pytest.FixtureRequest) -> None:
    ex = request.getfixturevalue(which)
    total, diff = _completeness(ex, n_steps=256)  # the random tiny Llama needs many steps to converge
    assert abs(diff) > 1e-4, "the baseline must change the output for the test to mean anything"
    assert total == pytest.approx(diff, rel=0.01, abs=1e-5)


@pytest.mark.parametrize("which", ["bert", "llama"])
@pytest.mark.parametrize("method", ["ig", "gxi", "rollout"])
def test_every_method_on_encoder_and_lora_decoder(which: str, method: str, request: pytest.FixtureRequest) -> None:
    ex = request.getfixturevalue(which)
    e = ex.explain(CODE, method=method, unit="line", top_k=3, n_steps=8)
    assert e.unit == "line" and e.method == method and e.windows == 1 and not e.notes
    assert e.label in ("safe", "vulnerable") and math.isclose(sum(e.probabilities.values()), 1.0, rel_tol=1e-5)
    assert len(e.top()) == 3
    assert all(math.isfinite(t.score) for t in e.tokens)
    assert sum(abs(t.score) for t in e.tokens) > 0
    line_sum = sum(u.score for u in e.units)
    # whitespace-only tokens (indentation, line breaks) belong to no line
    assert line_sum == pytest.approx(sum(t.score for t in e.tokens if t.text.strip()), abs=1e-5)
    if method == "rollout":
        assert all(t.score >= 0 for t in e.tokens)
    if method == "ig":
        assert e.delta is not None
    assert "".join(t.text for t in e.tokens).split() == [w for w in CODE.split() if w] or e.unit == "line"


def test_lora_checkpoint_loads_as_peft(llama: Explainer) -> None:
    assert type(llama.model).__name__.startswith("PeftModel")
    assert llama.decoder and llama.labels == ["safe", "vulnerable"]


def test_ig_batched_equals_unbatched(bert: Explainer) -> None:
    a = bert.explain(CODE, method="ig", n_steps=8, internal_batch_size=1)
    b = bert.explain(CODE, method="ig", n_steps=8)
    assert [t.score for t in a.tokens] == pytest.approx([t.score for t in b.tokens], abs=1e-5)


def test_long_input_is_windowed_and_says_so(bert: Explainer) -> None:
    text = "\n".join(f"    strcpy(buf{i}, src{i});" for i in range(30))
    full = len(encode(bert.tokenizer, text).ids)
    e = explain(bert, text, method="gxi", unit="line", max_tokens=40)
    assert full > 38 and e.windows == len(plan_windows(full, 38)) > 1
    assert e.notes and "longer than the model's context of 40" in e.notes[0]
    assert f"{e.windows} overlapping" in e.notes[0]
    assert len(e.tokens) == full and all(math.isfinite(t.score) for t in e.tokens)
    assert all(u.tokens for u in e.units)  # every line got scores from some window
    assert "windows" in e.to_html() and e.to_dict()["windows"] == e.windows


def test_plan_windows_cover_and_overlap() -> None:
    ws = plan_windows(100, 30, overlap=5)
    assert ws[0].start == 0 and ws[-1].end == 100
    assert all(w.end - w.start <= 30 for w in ws)
    assert all(b.start < a.end for a, b in itertools.pairwise(ws))
    assert plan_windows(10, 30) == plan_windows(10, 30, overlap=0)


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_input_is_a_clear_error(bert: Explainer, text: str) -> None:
    with pytest.raises(EmptyInputError, match="nothing to explain: the input is empty"):
        bert.explain(text)


def test_checkpoint_without_labels_is_a_clear_error(bert_ckpt: Path, tmp_path: Path) -> None:
    ckpt = tmp_path / "no-head"
    shutil.copytree(bert_ckpt, ckpt)
    manifest = json.loads((ckpt / "llmsec.json").read_text())
    manifest.pop("labels")
    manifest["stage"]["kind"] = "pretrain"
    (ckpt / "llmsec.json").write_text(json.dumps(manifest))
    with pytest.raises(NotAClassifierError, match=r"no classification head .*TransferTrainer .*kind: transfer"):
        explain(ckpt, CODE)


def test_causal_lm_directory_is_not_a_classifier(tiny_llama_dir: Path) -> None:
    with pytest.raises(NotAClassifierError, match=r"no classification head.*TransferTrainer"):
        Explainer.from_checkpoint(tiny_llama_dir)


def test_missing_checkpoint_and_bad_arguments(bert: Explainer, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a directory"):
        explain(tmp_path / "nope", CODE)
    with pytest.raises(ValueError, match="unknown attribution method 'lime'"):
        bert.explain(CODE, method="lime")
    with pytest.raises(ValueError, match="target 'benign' is not one of the checkpoint's labels"):
        bert.explain(CODE, target="benign")


def test_target_changes_sign_for_binary_head(bert: Explainer) -> None:
    a = bert.explain(CODE, method="gxi", target="vulnerable")
    b = bert.explain(CODE, method="gxi", target="safe")
    assert a.target == "vulnerable" and b.target == "safe"
    assert [t.score for t in a.tokens] == pytest.approx([-t.score for t in b.tokens], rel=1e-4, abs=1e-7)
