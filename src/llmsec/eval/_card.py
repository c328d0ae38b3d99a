"""A Hugging Face model card (``README.md``) for a checkpoint: results, lineage, data, limitations."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..train import Checkpoint, read_checkpoint
from ._lineage import lineage_summary
from ._metric_registry import METRICS, metric_keys, metric_title
from ._report import _fmt

__all__ = ["model_card", "write_model_card"]

logger = logging.getLogger(__name__)

_HF_TASK = {"detection": "text-classification", "generation": "question-answering",
            "perplexity": "text-generation", "answer-perplexity": "text-generation"}


def _card_metadata(checkpoint: Checkpoint, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    chain = lineage_summary(checkpoint)
    root_base = chain[0]["base"] if chain else checkpoint.base
    tasks = sorted({r["task"] for r in results} | ({checkpoint.task} if checkpoint.task else set()))
    adapter = checkpoint.manifest.get("adapter")
    index_results = []
    for r in results:
        metrics = [{"type": k, "name": metric_title(k), "value": round(float(v), 6)}
                   for k, v in r["metrics"].items()
                   if k in METRICS and isinstance(v, int | float) and v == v]
        index_results.append({
            "task": {"type": _HF_TASK.get(r.get("kind", ""), "text-classification"), "name": r["task"]},
            "dataset": {"name": str(r["data"]["source"]), "type": str(r["data"].get("format") or "jsonl")},
            "metrics": metrics,
        })
    return {
        "library_name": "peft" if adapter in ("lora", "dora", "qlora") else "transformers",
        "base_model": root_base,
        "tags": ["llmsec", "cyber-security", *tasks, *([checkpoint.kind] if checkpoint.kind else [])],
        "model-index": [{"name": checkpoint.path.name, "results": index_results}],
    }


def model_card(checkpoint: Checkpoint | str | Path, results: dict[str, Any] | Sequence[dict[str, Any]]) -> str:
    """The model card text: YAML front matter (``library_name``, ``base_model``, ``tags``,
    ``model-index``) and sections for the results, lineage, training data and limitations."""
    import yaml

    ckpt = checkpoint if isinstance(checkpoint, Checkpoint) else read_checkpoint(checkpoint)
    runs = [results] if isinstance(results, dict) else list(results)
    meta = _card_metadata(ckpt, runs)
    chain = lineage_summary(ckpt)
    lines = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).rstrip(), "---", "",
             f"# {ckpt.path.name}", "",
             f"A `{meta['base_model']}` model adapted to cyber security with llmsec "
             f"({' -> '.join(st['kind'] for st in chain) or ckpt.kind}).", "", "## Results", ""]
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
    lines += ["## Lineage", "", "| # | stage | base | adapter | train loss |", "|---|---|---|---|---:|"]
    for i, st in enumerate(chain):
        lines.append(f"| {i} | {st['kind']} | `{st['base']}` | {st.get('adapter') or ''} | "
                     f"{_fmt(st['metrics'].get('train_loss', float('nan')))} |")
    lines += ["", "## Training data", ""]
    for st in chain:
        data = st.get("data") or {}
        train = data.get("train") or {}
        lines.append(f"- {st['kind']}: `{train.get('source', '?')}` (format {data.get('format') or 'guessed'}, "
                     f"fingerprint `{train.get('fingerprint', '?')}`)")
    lines += ["", "## Limitations", "",
              "- Scores come from the evaluation sets named above; small or synthetic sets give wide error bars, "
              "and security benchmarks age quickly as new CVEs and techniques appear.",
              "- A detection model flags patterns seen in training; it is no substitute for review, testing or "
              "static analysis, and its false-negative rate at low false-positive rates (VD-S) is usually high.",
              "- The model can produce wrong or outdated security advice; verify before acting on it.", ""]
    return "\n".join(lines)


def write_model_card(checkpoint: Checkpoint | str | Path, results: dict[str, Any] | Sequence[dict[str, Any]]
                     ) -> Path:
    """Write the model card as ``README.md`` in the checkpoint directory; returns its path."""
    ckpt = checkpoint if isinstance(checkpoint, Checkpoint) else read_checkpoint(checkpoint)
    path = ckpt.path / "README.md"
    path.write_text(model_card(ckpt, results), encoding="utf-8")
    logger.info("model card written to %s", path)
    return path
