"""Knowledge and CTI tasks answered by generation: prompts, batched greedy decoding, scoring.

A generation task turns each record into a prompt (few-shot examples optional),
the model answers greedily, and the answer is pulled out of its free text with
:mod:`llmsec.eval._extract` and scored as the benchmark does:

- ``mcq`` (``sec-mcq``, ``cybermetric``, ``cti-mcq``): MultipleChoice records,
  accuracy of the extracted letter.
- ``cti-rcm`` (``cve-to-cwe``): CVE description -> CWE id, accuracy.
- ``cti-vsp`` (``cvss``): CVE description -> CVSS v3 vector, mean absolute
  deviation of the base scores (lower is better).
- ``cti-ate``: threat report -> ATT&CK technique ids, mean per-item set F1.

CTIBench records carry the benchmark's own prompt in ``meta["prompt"]``; it is
used as is, so scores are comparable with the published ones.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .._registry import Registry
from ..data import Example, MultipleChoice, Record, get_task
from ..data.tasks import mcq_answer
from ._ctibench import _normalise_truth, _score_item, cvss_base_score
from ._extract import extract_choice
from ._progress import progress

__all__ = ["GENERATION_TASKS", "GenerationTask", "build_prompt", "generate_texts", "generation_task_names",
           "get_generation_task", "score_generation"]

logger = logging.getLogger(__name__)

LETTERS = "ABCDEFGHIJ"


@dataclass(frozen=True)
class GenerationTask:
    """A task scored from generated text.

    Attributes:
        name: the canonical name (``mcq``, ``cti-rcm``, ``cti-vsp``, ``cti-ate``).
        record_type: the record type it reads.
        metric: the main metric (``accuracy``, ``mad`` or ``f1``).
        higher_is_better: whether a larger main metric is better.
        max_new_tokens: the default answer length.
        default_format: the format of a ``.tsv`` ``--data`` file given without ``--format`` (CTIBench).
        instruction: the question asked when a record has no prompt of its own and the task
            names no ``data_task``.
        answer: renders a record's reference answer (for few-shot examples).
        data_task: the data task (``llmsec.data`` registry) whose training conversations teach
            this one: its :meth:`~llmsec.data.Task.prompt_text` asks the question, so a model is
            scored on the prompt it was trained with.
    """

    name: str
    record_type: type
    metric: str
    higher_is_better: bool
    max_new_tokens: int
    default_format: str | None
    instruction: str
    answer: Callable[[Record], str]
    data_task: str | None = None


GENERATION_TASKS: Registry[GenerationTask] = Registry("generation task")
_ALIASES = {
    "sec-mcq": "mcq", "cybermetric": "mcq", "cti-mcq": "mcq", "seceval": "mcq",
    "cve-to-cwe": "cti-rcm", "rcm": "cti-rcm", "cvss": "cti-vsp", "cvss-predict": "cti-vsp", "vsp": "cti-vsp",
    "ate": "cti-ate", "attack-technique": "cti-ate",
}

GENERATION_TASKS.add("mcq", GenerationTask(
    name="mcq", record_type=MultipleChoice, metric="accuracy", higher_is_better=True, max_new_tokens=16,
    default_format="ctibench-mcq", instruction="Answer with the letter of the correct choice only.",
    answer=lambda r: mcq_answer(r),  # type: ignore[arg-type]
    data_task="sec-mcq",
))
GENERATION_TASKS.add("cti-rcm", GenerationTask(
    name="cti-rcm", record_type=Example, metric="accuracy", higher_is_better=True, max_new_tokens=128,
    default_format="ctibench-rcm",
    instruction="Which CWE is the root cause of this vulnerability? Put only the CWE id (CWE-n) on the last line.",
    answer=lambda r: r.label,  # type: ignore[union-attr]
    data_task="cve-to-cwe",
))
GENERATION_TASKS.add("cti-vsp", GenerationTask(
    name="cti-vsp", record_type=Example, metric="mad", higher_is_better=False, max_new_tokens=64,
    default_format="ctibench-vsp",
    instruction="Give the CVSS v3.1 base vector of this vulnerability (AV:../AC:../PR:../UI:../S:../C:../I:../A:..) "
                "on the last line.",
    answer=lambda r: r.label,  # type: ignore[union-attr]
    data_task="cvss-predict",
))
GENERATION_TASKS.add("cti-ate", GenerationTask(
    name="cti-ate", record_type=Example, metric="f1", higher_is_better=True, max_new_tokens=64,
    default_format="ctibench-ate",
    instruction="Which MITRE ATT&CK techniques does this report describe? Put only their ids, separated by "
                "commas, on the last line.",
    answer=lambda r: r.label,  # type: ignore[union-attr]
))


def get_generation_task(name: str) -> GenerationTask | None:
    """The generation task called ``name`` (or one of its aliases), else ``None``."""
    key = _ALIASES.get(name, name)
    return GENERATION_TASKS.get(key) if key in GENERATION_TASKS else None


def generation_task_names() -> list[str]:
    """Every generation task name and alias, sorted."""
    return sorted([*GENERATION_TASKS.names(), *_ALIASES])


# --- prompts -------------------------------------------------------------------


def _question(task: GenerationTask, record: Record) -> str:
    prompt = getattr(record, "meta", {}).get("prompt")
    if prompt:
        return str(prompt)
    if task.data_task is not None:
        return get_task(task.data_task).prompt_text(record)
    if isinstance(record, MultipleChoice):
        opts = "\n".join(f"{LETTERS[i]}. {c}" for i, c in enumerate(record.choices))
        return f"Question: {record.question}\n{opts}\n\n{task.instruction}"
    if isinstance(record, Example):
        return f"{task.instruction}\n\n{record.text}"
    raise TypeError(f"task {task.name!r} reads {task.record_type.__name__} records, got {type(record).__name__}")


def build_prompt(task: GenerationTask, record: Record, tokenizer: Any, shots: Sequence[Record] = ()) -> str:
    """The text fed to the model: the chat template when the tokenizer has one, else plain turns.

    Few-shot ``shots`` come first as earlier question/answer turns.
    """
    turns: list[dict[str, str]] = []
    for shot in shots:
        turns += [{"role": "user", "content": _question(task, shot)},
                  {"role": "assistant", "content": task.answer(shot)}]
    turns.append({"role": "user", "content": _question(task, record)})
    if getattr(tokenizer, "chat_template", None):
        return str(tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True))
    text = "".join(f"{'Answer' if t['role'] == 'assistant' else 'Question'}: {t['content']}\n\n" for t in turns)
    return text + "Answer:"


# --- decoding ------------------------------------------------------------------


def generate_texts(model: Any, tokenizer: Any, prompts: Sequence[str], *, max_new_tokens: int = 32,
                   batch_size: int = 8, max_length: int = 1024) -> list[str]:
    """Greedy answers to ``prompts``, batched with left padding; only the new text is returned.

    Prompts longer than ``max_length`` tokens keep their last ``max_length`` tokens
    (the question's end and the generation prompt).
    """
    import torch

    model.eval()
    device = next(model.parameters()).device
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    eos = tokenizer.eos_token_id
    outputs: list[str] = []
    for start in progress(range(0, len(prompts), batch_size), "generating"):
        ids = [tokenizer(p, add_special_tokens=False)["input_ids"][-max_length:]
               for p in prompts[start : start + batch_size]]
        width = max(len(x) for x in ids)
        batch = torch.full((len(ids), width), pad_id, dtype=torch.long)
        attn = torch.zeros_like(batch)
        for i, x in enumerate(ids):  # left padding: the answers all start at column `width`
            batch[i, width - len(x):] = torch.tensor(x, dtype=torch.long)
            attn[i, width - len(x):] = 1
        with torch.no_grad():
            out = model.generate(input_ids=batch.to(device), attention_mask=attn.to(device), do_sample=False,
                                 max_new_tokens=max_new_tokens, pad_token_id=pad_id, eos_token_id=eos,
                                 top_p=None, top_k=None, temperature=None)
        outputs += tokenizer.batch_decode(out[:, width:], skip_special_tokens=True)
    return [o.strip() for o in outputs]


# --- scoring -------------------------------------------------------------------


def _truth(task: GenerationTask, record: Record, where: str) -> str:
    if isinstance(record, MultipleChoice):
        return record.answer.upper()
    sub = task.name.removeprefix("cti-")
    label = record.label  # type: ignore[union-attr]
    truth = _normalise_truth(sub, label.strip())
    if truth is None:
        raise ValueError(f"{where}: label {label!r} is outside task {task.name!r}'s label set "
                         f"({'a CWE-n id' if sub == 'rcm' else 'a CVSS v3 vector' if sub == 'vsp' else 'T#### ids'});"
                         " is this the right --task for this file?")
    return truth


def score_generation(task: GenerationTask, records: Sequence[Record], outputs: Sequence[str],
                     *, source: str = "data") -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Score generated answers against the records; returns ``(metrics, per-item rows)``.

    Unparseable answers count as wrong (mcq, rcm: 0; ate: F1 0) and are left out
    of the CVSS MAD (vsp, as in CTIBench); ``unparsed`` counts them.

    Raises:
        ValueError: mismatched counts, labels outside the task's set, or every output empty.
    """
    if len(records) != len(outputs):
        raise ValueError(f"{source}: prediction and label counts do not match: {len(outputs)} outputs for "
                         f"{len(records)} records; pass one output per record")
    if not records:
        raise ValueError(f"{source}: no records to score")
    if all(not o.strip() for o in outputs):
        raise ValueError(f"{source}: every one of the {len(outputs)} model outputs is empty: the model generated "
                         "nothing (check max_new_tokens, the chat template and the eos token)")
    rows: list[dict[str, Any]] = []
    for i, (record, output) in enumerate(zip(records, outputs, strict=True)):
        if not isinstance(record, task.record_type):
            raise ValueError(f"{source}: record {i} is a {type(record).__name__}, but task {task.name!r} reads "
                             f"{task.record_type.__name__} records; pick the matching --task or --format")
        truth = _truth(task, record, f"{source}: record {i}")
        if isinstance(record, MultipleChoice):
            pred = extract_choice(output, LETTERS[: len(record.choices)])
            value: float | None = 1.0 if pred is not None and pred == truth else 0.0
            reason = None if pred is not None else "no choice letter found"
        else:
            item = _score_item(task.name.removeprefix("cti-"), i + 1, truth, output)
            pred, value, reason = item.prediction, item.value, item.reason
        rows.append({"index": i, "truth": truth, "output": output, "pred": pred, "value": value,
                     "parsed": reason is None, "reason": reason})
    return _summary(task, rows), rows


def _summary(task: GenerationTask, rows: list[dict[str, Any]]) -> dict[str, float]:
    n = len(rows)
    unparsed = sum(not r["parsed"] for r in rows)
    metrics: dict[str, float] = {"n": float(n), "unparsed": float(unparsed)}
    if task.metric == "mad":
        scored = [r["value"] for r in rows if r["value"] is not None]
        metrics["mad"] = math.fsum(scored) / len(scored) if scored else float("nan")
        metrics["valid_vectors"] = float(len(scored))
        exact = [r for r in rows if r["pred"] is not None and cvss_base_score(r["pred"]) is not None]
        metrics["exact_vector"] = sum(r["pred"].split("/", 1)[1] == r["truth"].split("/", 1)[1]
                                      for r in exact) / n
    else:
        metrics[task.metric] = math.fsum(r["value"] or 0.0 for r in rows) / n
    return metrics


def main_metric_values(task: GenerationTask, rows: list[dict[str, Any]]) -> list[float | None]:
    """Per-item values whose mean is the main metric (``None``: left out, as for an unparsed vsp answer)."""
    return [r["value"] for r in rows]
