"""The built-in demo: adapt SmolLM2 in three stages and measure what each stage bought.

It sits above ``eval`` in the layering: it runs a Pipeline, then evaluates the
base model and every checkpoint on the held-out demo data.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .config import Recipe, load_recipe
from .eval import evaluate
from .train import Checkpoint, Pipeline

logger = logging.getLogger(__name__)

# column -> (task, held-out data)
DEMO_EVALS = {
    "corpus": ("corpus", "builtin:corpus/test"),
    "instructions": ("instructions", "builtin:instructions/test"),
    "vuln-detect": ("vuln-detect", "builtin:vuln-code/test"),
}


def demo_recipe(output_dir: str | Path = "runs/demo", overrides: Sequence[str] = ()) -> Recipe:
    """The demo's built-in recipe, with its output directory and any overrides."""
    path = Path(str(resources.files("llmsec") / "resources" / "recipes" / "demo.yaml"))
    return load_recipe(path, [f"output_dir={output_dir}", *overrides])


@dataclass
class DemoResult:
    """What the demo measured: one row per model (base, then each stage)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    report_dir: Path | None = None
    seconds: float = 0.0

    def to_markdown(self) -> str:
        """The before/after table as Markdown."""
        head = ["model", "corpus ppl ↓", "answer ppl ↓", "vuln acc ↑", "vuln F1 ↑", "vuln AUC ↑", "vuln method"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in self.rows:
            cells = [row["model"], _fmt(row.get("corpus_ppl")), _fmt(row.get("answer_ppl")),
                     _fmt(row.get("vuln_accuracy"), 3), _fmt(row.get("vuln_f1"), 3),
                     _fmt(row.get("vuln_roc_auc"), 3), row.get("vuln_method", "")]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def run_demo(
    output_dir: str | Path = "runs/demo",
    *,
    overrides: Sequence[str] = (),
    callbacks: Sequence[Any] = (),
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the demo: evaluate the base, train three stages, evaluate each checkpoint.

    Args:
        output_dir: where checkpoints and the report (``report/``) go.
        overrides: ``key=value`` recipe overrides (as ``llmsec train --set``).
        callbacks: Hugging Face TrainerCallbacks (e.g. a progress bar).
        on_step: called with a short description before each step.
    """
    start = time.perf_counter()
    recipe = demo_recipe(output_dir, overrides)
    note = on_step or (lambda msg: logger.info("%s", msg))
    result = DemoResult()

    note(f"evaluating the base model ({recipe.model.name})")
    base_row, baseline_row = _measure("base", recipe.model.name, lm=True, with_baseline=True)
    result.rows += [baseline_row, base_row]
    note("training: domain pre-training → instruction tuning → transfer learning")
    result.checkpoints = Pipeline(recipe, callbacks=callbacks).run()
    for stage, ckpt in zip(recipe.stages, result.checkpoints, strict=True):
        note(f"evaluating +{stage.label} ({ckpt.path})")
        row, _ = _measure(f"+{stage.label}", str(ckpt.path), lm=ckpt.head != "classifier")
        result.rows.append(row)

    result.seconds = time.perf_counter() - start
    result.report_dir = write_report(result, Path(recipe.output_dir) / "report")
    return result


def _measure(label: str, model: str, *, lm: bool, with_baseline: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """One table row for ``model``; with ``with_baseline`` also the TF-IDF baseline's row."""
    row: dict[str, Any] = {"model": label, "path": model}
    if lm:
        task, data = DEMO_EVALS["corpus"]
        row["corpus_ppl"] = evaluate(model, task=task, data=data, max_length=128)["metrics"]["perplexity"]
        task, data = DEMO_EVALS["instructions"]
        row["answer_ppl"] = evaluate(model, task=task, data=data)["metrics"]["answer_perplexity"]
    task, data = DEMO_EVALS["vuln-detect"]
    res = evaluate(model, task=task, data=data, max_length=192, baseline=with_baseline,
                   baseline_train="builtin:vuln-code" if with_baseline else None)
    row.update({f"vuln_{k}": v for k, v in res["metrics"].items()})
    row["vuln_method"] = res["method"]
    baseline_row: dict[str, Any] = {"model": "TF-IDF + LR baseline", "vuln_method": "baseline"}
    if with_baseline and res.get("baseline"):
        baseline_row.update({f"vuln_{k}": v for k, v in res["baseline"]["metrics"].items()})
    return row, baseline_row


def write_report(result: DemoResult, report_dir: Path) -> Path:
    """Write ``report.json`` and ``report.md`` (the before/after table and lineage)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "seconds": result.seconds,
        "rows": result.rows,
        "checkpoints": [
            {"path": str(c.path), "kind": c.kind, "base": c.base, "parent": c.parent, "metrics": c.metrics}
            for c in result.checkpoints
        ],
    }
    (report_dir / "report.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    md = [
        "# llmsec demo report",
        "",
        f"Wall time: {result.seconds:.0f} s. Held-out data: the built-in demo test splits.",
        "",
        result.to_markdown(),
        "",
        "## Lineage",
        "",
    ]
    md += [f"{i}. `{c.path}` ({c.kind}) ← `{c.parent or c.base}`" for i, c in enumerate(result.checkpoints, 1)]
    (report_dir / "report.md").write_text("\n".join(md) + "\n")
    return report_dir
