"""Write an evaluation to a folder: ``results.json``, ``report.md`` and the plots."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

from ._metric_registry import metric_keys, metric_title

__all__ = ["markdown_report", "write_report"]

logger = logging.getLogger(__name__)

def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:.1f}"
    return str(value)


def _jsonable(value: Any) -> Any:
    """NaN and infinities become null (strict JSON), tuples lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _jsonable(value.item())
    return value


def markdown_report(result: dict[str, Any], plots: list[str] | None = None) -> str:
    """The report a person reads: what was measured, the table beside the baseline, the caveats."""
    model = result["model"]
    lines = [f"# Evaluation: {Path(model['name']).name} on `{result['task']}`", ""]
    lines += [f"- model: `{model['name']}` ({model['kind']}; base `{model['base']}`"
              + (f"; {model['quantize']}" if model.get("quantize") else "") + ")",
              f"- data: `{result['data']['source']}` ({result['n']} items"
              + (f", format {result['data']['format']}" if result["data"].get("format") else "") + ")",
              f"- method: {result.get('method')}"]
    if result.get("few_shot"):
        lines.append(f"- few-shot: {result['few_shot']['k']} examples from {result['few_shot']['source']}")
    lines.append("")
    rows = [(f"{Path(model['name']).name} ({result.get('method')})", result["metrics"])]
    if result.get("baseline"):
        rows.append((f"TF-IDF + logistic regression (trained on {result['baseline']['n_train']} items)",
                     result["baseline"]["metrics"]))
    keys = metric_keys(*(m for _, m in rows))
    lines += ["## Metrics", "", "| model | " + " | ".join(metric_title(k) for k in keys) + " |",
              "|---|" + "---:|" * len(keys)]
    for name, metrics in rows:
        lines.append(f"| {name} | " + " | ".join(_fmt(metrics.get(k, float("nan"))) for k in keys) + " |")
    lines.append("")
    if result.get("baseline") is None and result.get("kind") == "detection":
        lines += ["No classical baseline: " + "; ".join(w for w in result.get("warnings", []) if "baseline" in w), ""]
    lines += _breakdown_section(result.get("breakdown"))
    lines += _contamination_section(result.get("contamination") or {})
    if result.get("unparsed"):
        shown = ", ".join(map(str, result["unparsed"][:20]))
        lines += ["## Unparsed answers", "", f"{len(result['unparsed'])} answers held no usable answer (counted as "
                  f"wrong): items {shown}{' ...' if len(result['unparsed']) > 20 else ''}", ""]
    if result.get("lineage"):
        lines += ["## Lineage", "", "| # | stage | checkpoint | base | training data | train loss |",
                  "|---|---|---|---|---|---:|"]
        for i, st in enumerate(result["lineage"]):
            train = (st.get("data") or {}).get("train") or {}
            lines.append(f"| {i} | {st['kind']} | `{st['path']}` | `{st['base']}` | `{train.get('source', '')}` | "
                         f"{_fmt(st['metrics'].get('train_loss', float('nan')))} |")
        lines.append("")
    if plots:
        lines += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    lines += ["Metric definitions: docs/evaluation.md.", ""]
    return "\n".join(lines)


def _breakdown_section(tables: dict[str, Any] | None) -> list[str]:
    """Per-group tables of a task's ``breakdown`` (secure-code: per language and per CWE)."""
    out: list[str] = []
    for by, groups in (tables or {}).items():
        keys = metric_keys(*groups.values())
        out += [f"## By {by}", "", f"| {by} | n | " + " | ".join(metric_title(k) for k in keys) + " |",
                "|---|---:|" + "---:|" * len(keys)]
        out += [f"| {group} | {int(m.get('n', 0))} | " + " | ".join(_fmt(m.get(k, float("nan"))) for k in keys) + " |"
                for group, m in groups.items()]
        out.append("")
    return out


def _contamination_section(c: dict[str, Any]) -> list[str]:
    head = ["## Contamination", ""]
    if not c.get("checked"):
        return [*head, f"{c.get('summary') or 'not checked'}", ""]
    rep = c["report"]
    if c.get("clean"):
        return [*head, f"Clean: none of the {rep['n_test']} test items overlaps the {rep['n_train']} training "
                        f"records ({', '.join(c['train_sources'])}).", ""]
    return [*head,
        f"**WARNING: {rep['contaminated']} of {rep['n_test']} test items ({rep['fraction']:.1%}) overlap the "
        f"training data** ({', '.join(c['train_sources'])}): {len(rep['exact'])} exact, {len(rep['near'])} near "
        f"duplicates, {len(rep['group_overlap'])} items in {len(rep['shared_groups'])} shared groups. "
        "Scores on these items may be inflated.", ""]


def write_report(result: dict[str, Any], out: str | Path, *, predictions: bool = False, plots: bool = True
                 ) -> dict[str, Path]:
    """Write ``results.json``, ``report.md`` and the plots into ``out``; returns name -> path.

    Args:
        result: an :func:`~llmsec.eval.evaluate` result.
        out: the report folder (created).
        predictions: keep the per-item predictions (``items``) in ``results.json``.
        plots: draw the figures (matplotlib).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = []
    if plots:
        from ._plots import write_plots

        names = write_plots(result, out)
    payload = _strip_items(result, keep=predictions)
    payload["plots"] = names
    files = {"results.json": out / "results.json", "report.md": out / "report.md"}
    files["results.json"].write_text(json.dumps(_jsonable(payload), indent=2) + "\n", encoding="utf-8")
    files["report.md"].write_text(markdown_report(result, names), encoding="utf-8")
    files.update({n: out / n for n in names})
    logger.info("report written to %s (%s)", out, ", ".join(files))
    return files


def _strip_items(result: dict[str, Any], keep: bool) -> dict[str, Any]:
    payload = dict(result)
    if not keep:
        payload.pop("items", None)
        if payload.get("baseline"):
            payload["baseline"] = {k: v for k, v in payload["baseline"].items() if k != "items"}
    return payload
