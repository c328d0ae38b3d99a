"""Multiple choice scored by log-likelihood, as lm-evaluation-harness does for small models.

Each choice is scored as the answer the model was trained to give (``B. SQL
injection``, :func:`llmsec.data.tasks.mcq_choice`) after the question, asked
exactly as in generation (:func:`build_prompt`: the chat template when the
tokenizer has one). The prediction is the choice with the highest summed
log-probability (``accuracy``); ``accuracy_norm`` divides by the answer's length
in bytes (lm-eval's ``acc_norm``). No answer has to be parsed out of free text,
so a model that knows the answer but not the format still scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..data import MultipleChoice, Task
from ..data.tasks import mcq_choice
from ..data.tasks._answers import LETTERS
from ._generate import build_prompt
from ._lm import masked_logprobs
from ._progress import progress

__all__ = ["choice_logprobs", "score_choices"]


def choice_logprobs(model: Any, tokenizer: Any, task: Task, records: Sequence[MultipleChoice], *,
                    shots: Sequence[MultipleChoice] = (), batch_size: int = 8,
                    max_length: int = 1024) -> list[list[float]]:
    """Per question, the summed log-probability of each choice as the answer.

    The question keeps its last ``max_length`` tokens when it is longer (the
    choices and the generation prompt are at its end).
    """
    model.eval()
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    seqs: list[list[int]] = []
    masks: list[list[int]] = []
    for record in records:
        context = tokenizer(build_prompt(task, record, tokenizer, shots), add_special_tokens=False)["input_ids"]
        context = context[-max_length:]
        for letter in LETTERS[: len(record.choices)]:
            answer = tokenizer(mcq_choice(record, letter), add_special_tokens=False)["input_ids"]
            seqs.append(context + answer)
            masks.append([0] * len(context) + [1] * len(answer))
    flat: list[float] = []
    for start in progress(range(0, len(seqs), batch_size), "scoring choices"):
        flat += masked_logprobs(model, seqs[start : start + batch_size], masks[start : start + batch_size], pad)
    out, at = [], 0
    for record in records:
        out.append(flat[at : at + len(record.choices)])
        at += len(record.choices)
    return out


def score_choices(records: Sequence[MultipleChoice], logprobs: Sequence[Sequence[float]]
                  ) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """``(metrics, per-item rows)`` of log-likelihood answers.

    A question with several correct letters (SecEval) counts as right only when the
    single best choice is its whole answer, so it can never be matched by one choice.
    """
    if len(records) != len(logprobs):
        raise ValueError(f"{len(logprobs)} score rows for {len(records)} questions")
    if not records:
        raise ValueError("no questions to score")
    rows: list[dict[str, Any]] = []
    right = right_norm = chance = 0.0
    for i, (record, scores) in enumerate(zip(records, logprobs, strict=True)):
        truth = record.answer.upper()
        lengths = [max(len(mcq_choice(record, letter).encode()), 1) for letter in LETTERS[: len(scores)]]
        best = LETTERS[max(range(len(scores)), key=lambda j: scores[j])]
        best_norm = LETTERS[max(range(len(scores)), key=lambda j: scores[j] / lengths[j])]
        right += best == truth
        right_norm += best_norm == truth
        chance += (1.0 / len(scores)) if len(truth) == 1 else 0.0
        rows.append({"index": i, "truth": truth, "pred": best, "pred_norm": best_norm,
                     "value": float(best == truth), "parsed": True, "reason": None,
                     "logprobs": [round(float(x), 4) for x in scores]})
    n = len(records)
    metrics = {"n": float(n), "accuracy": right / n, "accuracy_norm": right_norm / n, "chance": chance / n,
               "unparsed": 0.0}
    return metrics, rows
