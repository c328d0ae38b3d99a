"""A Hugging Face model card (``README.md``) for a checkpoint: results, lineage, data, limitations.

Built with ``huggingface_hub``'s :class:`~huggingface_hub.ModelCard`: the metadata
(``base_model`` the upstream hub id the lineage started from, ``library_name``,
``tags``, ``license`` of a built-in base) and the evaluation results as
``model-index`` (:class:`~huggingface_hub.EvalResult`), so the hub links the
model to its base and shows its scores; the body holds how to load it, the
results tables, the lineage and each stage's data fingerprints.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..checkpoints import Checkpoint, read_checkpoint
from ..models import BUILTIN_MODELS
from ..models._portable import builtin_for, portable_name
from ._lineage import lineage_summary
from ._metric_registry import METRICS, metric_keys, metric_title
from ._report import _fmt

__all__ = ["model_card", "write_model_card"]

logger = logging.getLogger(__name__)

_HF_TASK = {"detection": "text-classification", "generation": "question-answering",
            "multiple-choice": "multiple-choice", "perplexity": "text-generation",
            "answer-perplexity": "text-generation"}
_ADAPTERS = ("lora", "dora", "qlora")


def _base_model(chain: Sequence[dict[str, Any]], checkpoint: Checkpoint) -> str:
    """The upstream id (or the user's id / directory) the lineage's first stage started from."""
    first = chain[0]["path"] if chain else None
    manifest = read_checkpoint(first).manifest if first and first != str(checkpoint.path) else checkpoint.manifest
    return str(manifest.get("base_model") or portable_name(str(chain[0]["base"] if chain else checkpoint.base)))


def _eval_results(results: Sequence[dict[str, Any]]) -> list[Any]:
    from huggingface_hub import EvalResult

    out = []
    for r in results:
        for key, value in r["metrics"].items():
            if key in METRICS and isinstance(value, int | float) and value == value:
                out.append(EvalResult(
                    task_type=_HF_TASK.get(r.get("kind", ""), "text-classification"), task_name=r["task"],
                    dataset_type=str(r["data"].get("format") or "jsonl"), dataset_name=str(r["data"]["source"]),
                    metric_type=key, metric_name=metric_title(key), metric_value=round(float(value), 6),
                ))
    return out


def card_data(checkpoint: Checkpoint, results: Sequence[dict[str, Any]], *, merged: bool = False) -> Any:
    """The card's metadata as a :class:`huggingface_hub.ModelCardData` (``merged``: for a merged export)."""
    from huggingface_hub import ModelCardData

    chain = lineage_summary(checkpoint)
    base = _base_model(chain, checkpoint)
    builtin = BUILTIN_MODELS.get(builtin_for(base) or "")
    tasks = sorted({r["task"] for r in results} | ({checkpoint.task} if checkpoint.task else set()))
    adapter = checkpoint.manifest.get("adapter")
    evals = _eval_results(results)
    return ModelCardData(
        base_model=base,
        library_name="peft" if adapter in _ADAPTERS and not merged else "transformers",
        license=builtin.licence.lower() if builtin is not None else None,
        pipeline_tag="text-classification" if checkpoint.head == "classifier" else "text-generation",
        tags=["llmsec", "cyber-security", *tasks, *([checkpoint.kind] if checkpoint.kind else [])],
        model_name=checkpoint.path.name,
        eval_results=evals or None,
    )


def _how_to_load(checkpoint: Checkpoint, base: str, merged: bool) -> list[str]:
    chain = checkpoint.manifest.get("chain") or []
    adapter = checkpoint.manifest.get("adapter") in _ADAPTERS and not merged
    auto = "AutoModelForSequenceClassification" if checkpoint.head == "classifier" else "AutoModelForCausalLM"
    lines = ["## How to load", ""]
    if not adapter:
        return [*lines, "```python", f"from transformers import {auto}", "", f'model = {auto}.from_pretrained("PATH")',
                "```", ""]
    lines += ["With transformers and peft (no llmsec):", "", "```python", "from peft import PeftModel",
              f"from transformers import {auto}", "", f'model = {auto}.from_pretrained("{base}")']
    for step in chain:
        lines.append(f'model = PeftModel.from_pretrained(model, "{step["path"]}").merge_and_unload()  '
                     f'# earlier stage: {step["kind"]}')
    lines += ['model = PeftModel.from_pretrained(model, "PATH")', "```", ""]
    if chain:
        lines += ["The earlier stages' adapters are named relative to this checkpoint (`chain` in `llmsec.json`).", ""]
    lines += ["Or merged into one folder, or one GGUF file for llama.cpp / Ollama:", "", "```",
              "llmsec export PATH --to merged", "llmsec export PATH --to gguf --type q8_0", "```", ""]
    return lines


def model_card(checkpoint: Checkpoint | str | Path, results: dict[str, Any] | Sequence[dict[str, Any]], *,
               merged: bool = False) -> str:
    """The model card text: YAML front matter (``base_model``, ``library_name``, ``tags``,
    ``model-index``) and sections for loading, results, lineage, training data and limitations.

    ``merged`` writes the card of the checkpoint's merged export (``llmsec export --to merged``):
    plain transformers weights, loaded without peft.
    """
    from huggingface_hub import ModelCard

    ckpt = checkpoint if isinstance(checkpoint, Checkpoint) else read_checkpoint(checkpoint)
    runs = [results] if isinstance(results, dict) else list(results)
    data = card_data(ckpt, runs, merged=merged)
    chain = lineage_summary(ckpt)
    lines = [f"# {ckpt.path.name}", "",
             f"A `{data.base_model}` model adapted to cyber security with llmsec "
             f"({' -> '.join(st['kind'] for st in chain) or ckpt.kind}).", ""]
    lines += _how_to_load(ckpt, str(data.base_model), merged)
    lines += ["## Results", ""]
    for r in runs:
        rows = [("this model", r["metrics"])] + ([("TF-IDF baseline", r["baseline"]["metrics"])]
                                                 if r.get("baseline") else [])
        keys = metric_keys(*(m for _, m in rows))
        lines += [f"`{r['task']}` on `{r['data']['source']}` ({r['n']} items, {r.get('method')}):", "",
                  "| | " + " | ".join(metric_title(k) for k in keys) + " |", "|---|" + "---:|" * len(keys)]
        lines += [f"| {name} | " + " | ".join(_fmt(m.get(k, float("nan"))) for k in keys) + " |" for name, m in rows]
        c = r.get("contamination") or {}
        if c.get("checked") and not c.get("clean"):
            lines += ["", f"**Contamination:** {c['report']['contaminated']} of {c['report']['n_test']} test items "
                      "overlap the training data; these scores may be inflated."]
        lines.append("")
    if not runs:
        lines += ["Not evaluated yet (`llmsec eval CHECKPOINT --card`).", ""]
    lines += ["## Lineage", "", "| # | stage | base | adapter | train loss |", "|---|---|---|---|---:|"]
    for i, st in enumerate(chain):
        lines.append(f"| {i} | {st['kind']} | `{portable_name(str(st['base'])) if i == 0 else st['base']}` | "
                     f"{st.get('adapter') or ''} | {_fmt(st['metrics'].get('train_loss', float('nan')))} |")
    lines += ["", "## Training data", "",
              "Each stage's data and its fingerprint (`llmsec eval` checks the files against it before its "
              "contamination check: a changed fingerprint means the data is not what the model was trained on):", ""]
    for st in chain:
        st_data = st.get("data") or {}
        train = st_data.get("train") or {}
        lines.append(f"- {st['kind']}: `{train.get('source', '?')}` (format {st_data.get('format') or 'guessed'}, "
                     f"fingerprint `{train.get('fingerprint', '?')}`)")
    lines += ["", "## Limitations", "",
              "- Scores come from the evaluation sets named above; small or synthetic sets give wide error bars, "
              "and security benchmarks age quickly as new CVEs and techniques appear.",
              "- A detection model flags patterns seen in training; it is no substitute for review, testing or "
              "static analysis, and its false-negative rate at low false-positive rates (VD-S) is usually high.",
              "- The model can produce wrong or outdated security advice; verify before acting on it.", ""]
    if builtin_for(str(data.base_model)):
        lines[-1:-1] = ["- The base weights llmsec trained on are the built-in package's copy of "
                        f"`{data.base_model}` (for SmolLM2 a Q4_1 GGUF, de-quantized); on the upstream "
                        "full-precision weights the adapter gives close but not identical outputs."]
    card = ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(lines))
    return str(card)


def write_model_card(checkpoint: Checkpoint | str | Path, results: dict[str, Any] | Sequence[dict[str, Any]], *,
                     out: str | Path | None = None, merged: bool = False) -> Path:
    """Write the model card as ``README.md`` in the checkpoint directory (or ``out``); returns its path.

    ``merged`` with ``out`` the merged export's folder writes that folder's card (see :func:`model_card`).
    """
    ckpt = checkpoint if isinstance(checkpoint, Checkpoint) else read_checkpoint(checkpoint)
    path = (Path(out) if out is not None else ckpt.path) / "README.md"
    path.write_text(model_card(ckpt, results, merged=merged), encoding="utf-8")
    logger.info("model card written to %s", path)
    return path
