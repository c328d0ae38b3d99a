"""Multiple choice by log-likelihood, corpus tasks on labelled records, open-label heads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmsec.config import DataConfig, TransferStage
from llmsec.data import Example, MultipleChoice
from llmsec.eval import evaluate
from llmsec.eval._choice import choice_logprobs, score_choices
from llmsec.eval._generate import get_generation_task
from llmsec.models import load_model, load_tokenizer
from llmsec.train import TransferTrainer

MCQ = get_generation_task("sec-mcq")
QS = [MultipleChoice("Which port does SSH use?", ("21", "22", "23", "80"), "B"),
      MultipleChoice("What does XSS stand for?", ("cross-site scripting", "xml"), "A")]


def test_score_choices_picks_the_most_likely_answer() -> None:
    metrics, rows = score_choices(QS, [[-9.0, -1.0, -5.0, -7.0], [-3.0, -2.0]])
    assert [r["pred"] for r in rows] == ["B", "B"]
    assert metrics["accuracy"] == 0.5 and metrics["chance"] == pytest.approx((1 / 4 + 1 / 2) / 2)
    # length normalisation: "A. cross-site scripting" is long, so per byte it wins
    assert rows[1]["pred_norm"] == "A" and metrics["accuracy_norm"] == 1.0
    several = MultipleChoice("q", ("a", "b", "c"), "AC")  # one choice can never be the whole answer
    m, _ = score_choices([several], [[0.0, -1.0, -2.0]])
    assert m["accuracy"] == 0.0 and m["chance"] == 0.0


def test_choice_logprobs_equal_the_model_scoring_each_answer_alone(tiny_llama_dir: Path) -> None:
    import torch

    from llmsec.data.tasks import mcq_choice
    from llmsec.eval import build_prompt

    model, tok = load_model(str(tiny_llama_dir)), load_tokenizer(str(tiny_llama_dir))
    batched = choice_logprobs(model, tok, MCQ, QS, batch_size=3)
    assert [len(x) for x in batched] == [4, 2]
    q = QS[0]
    context = tok(build_prompt(MCQ, q, tok), add_special_tokens=False)["input_ids"]
    answer = tok(mcq_choice(q, "C"), add_special_tokens=False)["input_ids"]
    ids = torch.tensor([context + answer])
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), -1)
    alone = sum(float(logp[len(context) - 1 + i, tok_id]) for i, tok_id in enumerate(answer))
    assert batched[0][2] == pytest.approx(alone, abs=1e-4)


def test_evaluate_loglik_and_its_errors(tiny_llama_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "mcq.jsonl"
    data.write_text("".join(json.dumps({"question": q.question, "choices": list(q.choices), "answer": q.answer})
                            + "\n" for q in QS))
    result = evaluate(tiny_llama_dir, task="sec-mcq", data=data, method="loglik")
    assert result["method"] == "loglik" and result["n"] == 2 and 0.0 <= result["metrics"]["accuracy"] <= 1.0
    assert all(item["parsed"] for item in result["items"])
    with pytest.raises(ValueError, match="scores multiple-choice tasks"):
        evaluate(tiny_llama_dir, task="cti-rcm", data=data, method="loglik")
    with pytest.raises(ValueError, match="unknown method"):
        evaluate(tiny_llama_dir, task="sec-mcq", data=data, method="vote")


def test_corpus_task_on_labelled_records_measures_perplexity(tiny_llama_dir: Path, tmp_path: Path) -> None:
    # NVD records are labelled Examples; asked for the corpus task, they are text to measure, not labels.
    data = tmp_path / "cves.jsonl"
    data.write_text("".join(json.dumps({"text": f"A buffer overflow in product {i}.", "label": f"CWE-{i}"}) + "\n"
                            for i in range(3)))
    result = evaluate(tiny_llama_dir, task="corpus", data=data)
    assert result["kind"] == "perplexity" and "bits_per_byte" in result["metrics"]


def test_open_label_head_counts_unseen_test_labels_as_errors(tiny_llama_dir: Path, tmp_path: Path) -> None:
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    rows = [Example(f"overflow {i}", "CWE-787") for i in range(3)] + [Example(f"xss {i}", "CWE-79") for i in range(3)]
    train.write_text("".join(json.dumps({"text": r.text, "label": r.label}) + "\n" for r in rows))
    test.write_text("".join(json.dumps({"text": t, "label": lab}) + "\n"
                            for t, lab in [("xss 9", "CWE-79"), ("sql 1", "CWE-89")]))
    stage = TransferStage(task="cve-to-cwe", data=DataConfig(train=str(train)), max_length=16,
                          trainer={"max_steps": 1})
    ckpt = TransferTrainer(stage, output_dir=tmp_path / "clf").run(tiny_llama_dir)
    result = evaluate(ckpt, task="cve-to-cwe", data=test, baseline_train=train, audit=False)
    assert result["labels"] == ["CWE-787", "CWE-79", "CWE-89"]  # the head's labels, then the unseen one
    assert result["n"] == 2 and result["items"][1]["pred"] != 2  # never predicted: its column is 0
    assert result["metrics"]["accuracy"] <= 0.5


def test_open_label_training_evaluates_on_the_labels_it_knows(tiny_llama_dir: Path, tmp_path: Path) -> None:
    train, valid = tmp_path / "train.jsonl", tmp_path / "valid.jsonl"
    train.write_text("".join(json.dumps({"text": f"{t} {i}", "label": lab}) + "\n"
                             for i in range(3) for t, lab in [("overflow", "CWE-787"), ("xss", "CWE-79")]))
    valid.write_text(json.dumps({"text": "xss 7", "label": "CWE-79"}) + "\n"
                     + json.dumps({"text": "path 1", "label": "CWE-22"}) + "\n")  # CWE-22: never trained on
    stage = TransferStage(task="cve-to-cwe", data=DataConfig(train=str(train), eval=str(valid)), max_length=16,
                          trainer={"max_steps": 1})
    ckpt = TransferTrainer(stage, output_dir=tmp_path / "clf").run(tiny_llama_dir)
    assert "eval_loss" in ckpt.metrics
