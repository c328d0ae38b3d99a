"""evaluate() on tiny models: perplexity, answer perplexity, zero-shot and classifier scoring."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from llmsec.config import DataConfig, TransferStage
from llmsec.eval import answer_perplexity, evaluate, perplexity, zero_shot_probs
from llmsec.models import load_model, load_tokenizer
from llmsec.train import TransferTrainer

CHAT = [{"prompt": [{"role": "user", "content": "What is CWE-89?"}],
         "completion": [{"role": "assistant", "content": "SQL injection."}]}]


@pytest.fixture(scope="module")
def tiny(tiny_llama_dir: Path) -> tuple:
    return load_model(str(tiny_llama_dir)), load_tokenizer(str(tiny_llama_dir))


def test_perplexity_matches_uniform_bound(tiny: tuple) -> None:
    model, tok = tiny
    out = perplexity(model, tok, ["SQL injection changes the query.", "A buffer overflow."], max_length=32)
    # a random tiny model is close to uniform over its vocabulary
    assert 0.3 * len(tok) < out["perplexity"] < 3 * len(tok)
    assert math.isclose(math.log(out["perplexity"]), out["nll"], rel_tol=1e-9)
    assert out["bits_per_byte"] > 0


def test_answer_perplexity_scores_only_the_answer(tiny: tuple) -> None:
    model, tok = tiny
    short = answer_perplexity(model, tok, CHAT)
    longer_prompt = [{**CHAT[0], "prompt": [{"role": "user", "content": "What is CWE-89? " * 5}]}]
    n_answer = answer_perplexity(model, tok, longer_prompt)["tokens"]
    assert short["tokens"] == n_answer  # a longer prompt adds no scored tokens


def test_zero_shot_probs_are_distributions(tiny: tuple) -> None:
    model, tok = tiny
    probs = zero_shot_probs(model, tok, ["strcpy(b, s);", "x = 1"], ["safe", "vulnerable"],
                            instruction="Is this code vulnerable?")
    assert probs.shape == (2, 2)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-6)


def test_evaluate_picks_method_by_checkpoint(tiny_llama_dir: Path, tmp_path: Path) -> None:
    code = tmp_path / "code.jsonl"
    code.write_text('{"text": "strcpy(b, s);", "label": "vulnerable"}\n{"text": "x = 1", "label": "safe"}\n')
    zero = evaluate(tiny_llama_dir, task="vuln-detect", data=code)
    assert zero["method"] == "zero-shot" and zero["n"] == 2 and "vd_s" in zero["metrics"]
    stage = TransferStage(data=DataConfig(train=str(code)), max_length=16, trainer={"max_steps": 1})
    ckpt = TransferTrainer(stage, output_dir=tmp_path / "clf").run(tiny_llama_dir)
    head = evaluate(ckpt, task="vuln-detect", data=code)
    assert head["method"] == "classifier" and head["labels"] == ["safe", "vulnerable"]
    assert 0.0 <= head["metrics"]["accuracy"] <= 1.0


def test_evaluate_audits_the_split(tiny_llama_dir: Path, tmp_path: Path) -> None:
    rows = [("strcpy(buf, input);", "vulnerable"), ("snprintf(buf, n, \"%s\", input);", "safe"),
            ("system(cmd);", "vulnerable"), ("execv(path, argv);", "safe")] * 3
    train = tmp_path / "train.jsonl"
    train.write_text("".join(f'{{"text": "{t} // {i}", "label": "{lab}"}}\n'.replace('"%s"', "'%s'")
                             for i, (t, lab) in enumerate(rows)))
    result = evaluate(tiny_llama_dir, task="vuln-detect", data=train, baseline_train=train, contamination=False)
    assert result["audit"] is not None and result["audit"]["verdict"] in ("ok", "warn", "fail", "n/a")
    checks = {f["check"]: f["verdict"] for f in result["audit"]["findings"]}
    assert checks, "the audit reports its checks"
    # the test set is the training set: the audit must see the cross-split duplicates
    assert any(v == "fail" for k, v in checks.items() if "split" in k or "dup" in k), checks
    assert any(w.startswith("audit ") for w in result["warnings"])
    skipped = evaluate(tiny_llama_dir, task="vuln-detect", data=train, baseline_train=train, contamination=False,
                       audit=False)
    assert skipped["audit"] is None
