"""Tasks answered by generation: prompts, batched greedy decoding, scoring of the extracted answers.

A task is scored from generated text when it carries :class:`~llmsec.data.tasks.Answers`
(``Task.answers``): each record becomes the task's own prompt
(:meth:`~llmsec.data.Task.prompt_text`, few-shot examples optional), the model
answers greedily, the answer is pulled out of its free text and scored item by
item by the task's ``answers``, and the metric registry turns the per-item rows
into the task's metrics (``Task.metrics``). The built-in ones:

- ``sec-mcq`` (``mcq``, ``cybermetric``, ``cti-mcq``, ``seceval``): the extracted letter, accuracy.
- ``cve-to-cwe`` (``cti-rcm``): CVE description -> CWE id, accuracy, macro and weighted F1.
- ``cvss-predict`` (``cti-vsp``): CVE description -> CVSS v3 vector, mean absolute
  deviation of the base scores (lower is better), exact vectors, per-metric accuracy.
- ``attack-technique`` (``cti-ate``): report -> ATT&CK technique ids, mean per-item set F1.

CTIBench records carry the benchmark's own prompt in ``meta["prompt"]``; it is
used as is, so scores are comparable with the published ones.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..data import MultipleChoice, Record, Task
from ..data.tasks import TASKS, mcq_answer
from ._metric_registry import compute_metrics
from ._progress import progress

__all__ = ["GENERATION_TASKS", "GenerationTask", "build_prompt", "generate_texts", "generation_task_names",
           "get_generation_task", "score_generation"]

logger = logging.getLogger(__name__)

#: Deprecated alias (one release): a generation task is a :class:`~llmsec.data.Task` with ``answers``.
GenerationTask = Task


class _GenerationTasks:
    """Deprecated (one release): the registered tasks that are scored by generation, as a read-only registry."""

    def names(self) -> list[str]:
        return [name for name, task in TASKS.items() if task.generates]

    def get(self, name: str) -> Task:
        task = TASKS.get(name)
        if not task.generates:
            raise KeyError(f"task {task.name!r} is not scored by generation")
        return task

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in TASKS and TASKS.get(name).generates

    def __iter__(self) -> Any:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())


GENERATION_TASKS = _GenerationTasks()


def get_generation_task(name: str) -> Task | None:
    """The task called ``name`` (or one of its aliases) when it is scored by generation, else ``None``."""
    task = TASKS.get(name) if name in TASKS else None
    return task if task is not None and task.generates else None


def generation_task_names() -> list[str]:
    """Every task scored by generation, sorted."""
    return sorted(GENERATION_TASKS.names())


# --- prompts -------------------------------------------------------------------


def reference_answer(task: Task, record: Record) -> str:
    """The answer a solved example shows (few-shot): what the task's training conversations answer."""
    if isinstance(record, MultipleChoice):
        return mcq_answer(record)
    return task.answer(record) if task.answer is not None else record.label  # type: ignore[arg-type, union-attr]


def build_prompt(task: Task, record: Record, tokenizer: Any, shots: Sequence[Record] = ()) -> str:
    """The text fed to the model: the chat template when the tokenizer has one, else plain turns.

    Each question is the task's :meth:`~llmsec.data.Task.prompt_text` (a model is scored on the
    prompt it was trained with). Few-shot ``shots`` come first as earlier question/answer turns.
    """
    turns: list[dict[str, str]] = []
    for shot in shots:
        turns += [{"role": "user", "content": task.prompt_text(shot)},
                  {"role": "assistant", "content": reference_answer(task, shot)}]
    turns.append({"role": "user", "content": task.prompt_text(record)})
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


def _answers(task: Task) -> Any:
    if task.answers is None:
        raise ValueError(f"task {task.name!r} is not scored by generation (it has no answers=); "
                         f"generation tasks: {', '.join(generation_task_names())}")
    return task.answers


def _truth(task: Task, record: Record, where: str) -> str:
    answers = _answers(task)
    # a record without a reference (a prompt for generated code) has the empty one
    raw = record.answer if isinstance(record, MultipleChoice) else str(getattr(record, "label", ""))
    truth = answers.truth(raw)
    if truth is None:
        raise ValueError(f"{where}: label {raw!r} is outside task {task.name!r}'s label set ({answers.expected});"
                         " is this the right --task for this file?")
    return truth


def score_generation(task: Task, records: Sequence[Record], outputs: Sequence[str],
                     *, source: str = "data") -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Score generated answers against the records; returns ``(metrics, per-item rows)``.

    Each row holds the item's ``truth``, ``output``, extracted ``pred``, per-item ``scores``
    (``task.answers.score``), ``value`` (its main-metric score), ``parsed`` and ``reason``.
    The metrics are the task's (``Task.metrics``, from the metric registry) with ``n`` and
    ``unparsed``. Unparseable answers count as wrong (0) and are left out of a mean whose
    per-item value is ``None`` (the CVSS MAD, as in CTIBench).

    Raises:
        ValueError: mismatched counts, labels outside the task's set, or every output empty.
    """
    answers = _answers(task)
    if len(records) != len(outputs):
        raise ValueError(f"{source}: prediction and label counts do not match: {len(outputs)} outputs for "
                         f"{len(records)} records; pass one output per record")
    if not records:
        raise ValueError(f"{source}: no records to score")
    if all(not o.strip() for o in outputs):
        raise ValueError(f"{source}: every one of the {len(outputs)} model outputs is empty: the model generated "
                         "nothing (check max_new_tokens, the chat template and the eos token)")
    truths, preds = [], []
    for i, (record, output) in enumerate(zip(records, outputs, strict=True)):
        if not isinstance(record, task.record_type):
            raise ValueError(f"{source}: record {i} is a {type(record).__name__}, but task {task.name!r} reads "
                             f"{task.record_type.__name__} records; pick the matching --task or --format")
        truths.append(_truth(task, record, f"{source}: record {i}"))
        preds.append(answers.extract(output, record))
    if answers.score_batch is not None:
        all_scores = list(answers.score_batch(records, preds))
        if len(all_scores) != len(records):
            raise ValueError(f"task {task.name!r}: score_batch returned {len(all_scores)} scores for "
                             f"{len(records)} records")
    else:
        all_scores = [answers.score(pred, truth) for pred, truth in zip(preds, truths, strict=True)]
    rows: list[dict[str, Any]] = []
    for i, (output, truth, pred, scores) in enumerate(zip(outputs, truths, preds, all_scores, strict=True)):
        value = scores.get(task.main_metric)
        reason = None
        if pred is None:
            reason = f"no {answers.what} found"
        elif task.main_metric in scores and value is None:
            reason = f"{pred!r} cannot be scored"
        rows.append({"index": i, "truth": truth, "output": output, "pred": pred, "value": value, "scores": scores,
                     "parsed": reason is None, "reason": reason})
    metrics = {"n": float(len(rows)), **compute_metrics("generation", rows, [*task.metrics, "unparsed"])}
    return metrics, rows
