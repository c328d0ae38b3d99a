"""Generation tasks: prompts, left-padded batched greedy decoding, scoring of extracted answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmsec.data import Example, MultipleChoice
from llmsec.eval import build_prompt, evaluate, generate_texts, score_generation
from llmsec.eval._generate import get_generation_task
from llmsec.models import load_model, load_tokenizer

MCQ = get_generation_task("cybermetric")
RCM = get_generation_task("cti-rcm")
VSP = get_generation_task("cti-vsp")
ATE = get_generation_task("cti-ate")
Q = MultipleChoice("Which port does SSH use?", ("21", "22", "23", "80"), "B")


@pytest.fixture(scope="module")
def tiny(tiny_llama_dir: Path) -> tuple:
    return load_model(str(tiny_llama_dir)), load_tokenizer(str(tiny_llama_dir))


def test_aliases_resolve() -> None:
    # the generation tasks are the data tasks: "mcq", "cti-rcm", ... are their aliases
    assert MCQ.name == "sec-mcq" and get_generation_task("mcq") is MCQ and get_generation_task("cti-mcq") is MCQ
    assert get_generation_task("cve-to-cwe") is RCM and get_generation_task("vuln-detect") is None


def test_mcq_prompt_lists_lettered_choices_and_few_shot(tiny: tuple) -> None:
    _, tok = tiny
    prompt = build_prompt(MCQ, Q, tok)
    assert "A. 21\nB. 22\nC. 23\nD. 80" in prompt and "Answer with the letter" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")
    shot = MultipleChoice("What does XSS stand for?", ("cross-site scripting", "x"), "A")
    few = build_prompt(MCQ, Q, tok, [shot])
    # a few-shot answer is what training teaches: the letter and its text
    assert few.index("XSS") < few.index("SSH") and "<|im_start|>assistant\nA. cross-site scripting<|im_end|>" in few
    # the question is the data task's, as in training conversations
    from llmsec.data import get_task

    assert get_task("sec-mcq").to_conversation(Q).messages[0].content in prompt
    # a record's own benchmark prompt (CTIBench) is used verbatim
    own = Example("CVE-1 text", "CWE-79", meta={"prompt": "BENCHMARK PROMPT"})
    assert "BENCHMARK PROMPT" in build_prompt(RCM, own, tok)


def test_batched_left_padded_generation_matches_one_at_a_time(tiny: tuple) -> None:
    model, tok = tiny
    prompts = [build_prompt(MCQ, Q, tok), "Question: What is CWE-89?\n\nAnswer:", "SQL"]
    batched = generate_texts(model, tok, prompts, max_new_tokens=6, batch_size=3)
    single = [generate_texts(model, tok, [p], max_new_tokens=6, batch_size=1)[0] for p in prompts]
    assert batched == single and len(batched) == 3


def test_score_mcq_rcm_vsp_ate() -> None:
    qs = [Q, MultipleChoice("q2", ("a", "b", "c"), "C"), MultipleChoice("q3", ("a", "b"), "A")]
    metrics, rows = score_generation(MCQ, qs, ["The answer is B", "C", "I am not sure"])
    assert metrics["accuracy"] == pytest.approx(2 / 3) and metrics["unparsed"] == 1
    assert [r["pred"] for r in rows] == ["B", "C", None]
    rcm = [Example("d", "CWE-79"), Example("d", "CWE-89")]
    m, _ = score_generation(RCM, rcm, ["It is XSS.\nCWE-79", "CWE-22"])
    assert m["accuracy"] == 0.5
    true = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
    m, rows = score_generation(VSP, [Example("d", true), Example("d", true), Example("d", true)],
                               [true, "AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", "no idea"])
    assert m["mad"] == pytest.approx((0 + (9.8 - 5.3)) / 2) and m["unparsed"] == 1 and m["vector_exact_match"] == 1 / 3
    m, _ = score_generation(ATE, [Example("r", "T1059, T1566")], ["T1059, T1003"])
    assert m["technique_f1"] == pytest.approx(0.5)


def test_bad_generation_input() -> None:
    with pytest.raises(ValueError, match="prediction and label counts do not match: 1 outputs for 2 records"):
        score_generation(MCQ, [Q, Q], ["B"], source="mcq.json")
    with pytest.raises(ValueError, match="every one of the 2 model outputs is empty"):
        score_generation(MCQ, [Q, Q], ["", " "], source="mcq.json")
    with pytest.raises(ValueError, match=r"rcm\.tsv: record 0: label 'SQL injection' is outside"):
        score_generation(RCM, [Example("d", "SQL injection")], ["CWE-89"], source="rcm.tsv")
    with pytest.raises(ValueError, match="is a Example, but task 'sec-mcq' reads MultipleChoice"):
        score_generation(MCQ, [Example("d", "A")], ["A"])


def test_evaluate_mcq_end_to_end(tiny_llama_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "mcq.jsonl"
    data.write_text("".join(json.dumps({"question": f"Q{i}: which port does SSH use?", "choices": ["21", "22"],
                                        "answer": "B"}) + "\n" for i in range(4)))
    res = evaluate(tiny_llama_dir, task="cybermetric", data=data, max_new_tokens=3, few_shot=1, batch_size=2)
    assert res["kind"] == "generation" and res["n"] == 3  # the first record became the example
    assert res["few_shot"]["k"] == 1 and "not scored" in res["few_shot"]["source"]
    assert 0.0 <= res["metrics"]["accuracy"] <= 1.0 and len(res["items"]) == 3
    assert res["metrics"]["accuracy"] == sum(r["value"] for r in res["items"]) / 3
    assert res["contamination"]["checked"] is False


def test_quantized_generation_on_cpu(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from llmsec.eval import parse_quantize

    assert parse_quantize("4bit").bits == 4 and parse_quantize(8).bits == 8
    with pytest.raises(ValueError, match="quantize must be '4bit' or '8bit', got '3bit'"):
        parse_quantize("3bit")
    data = tmp_path / "mcq.jsonl"
    data.write_text(json.dumps({"question": "SSH port?", "choices": ["21", "22"], "answer": "B"}) + "\n")
    res = evaluate(tiny_llama_dir, task="mcq", data=data, max_new_tokens=2, quantize="4bit")
    assert res["model"]["quantize"] == "4bit" and res["n"] == 1
