"""A contributor's path: a toy task and a toy metric, each registered in one place, show up everywhere.

The task is one ``register_task(Task(...))`` (with ``answers=`` it is scored by
generation); the metric one ``register_metric(Metric(...))``. Nothing else is
edited: ``llmsec data tasks``, the recipe checks, ``evaluate``, report.md, the
CLI table and ``compare`` find them through the registries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmsec.cli import app
from llmsec.data import TASKS, Example
from llmsec.data.tasks import Answers, Task, exact_match, register_task
from llmsec.eval import METRICS, Metric, compare_results, evaluate, markdown_report, register_metric, write_report


def _first_word(text: str, _: Any) -> str | None:
    words = text.split()
    return words[0].strip(".,").lower() if words else None


def _output_length(items: Any) -> float:
    return sum(len(it["output"]) for it in items) / len(items)


@pytest.fixture
def toy() -> Iterator[Task]:
    """The toy metric and task, registered as a contributor would, and removed afterwards."""
    register_metric(Metric("toy_length", "toy answer length", False, _output_length, ("generation",)))
    task = register_task(Task(
        name="toy-yesno", record_type=Example, description="toy: answer yes or no", kind="generation",
        instruction="Answer yes or no.", metrics=("accuracy", "toy_length"), max_new_tokens=4,
        answers=Answers(what="word", expected="yes or no", extract=_first_word,
                        truth=lambda v: v if v in ("yes", "no") else None, score=exact_match),
        aliases=("toy",),
    ))
    yield task
    TASKS.remove("toy-yesno")
    METRICS.remove("toy_length")


def test_a_toy_task_is_listed_accepted_by_recipes_and_evaluated(toy: Task, tiny_llama_dir: Path,
                                                                 tmp_path: Path) -> None:
    listed = CliRunner().invoke(app, ["data", "tasks"], env={"COLUMNS": "300"})
    assert listed.exit_code == 0 and "toy-yesno" in listed.output and "toy_length" in listed.output

    from llmsec.config import load_recipe
    from llmsec.train import preflight

    data = tmp_path / "toy.jsonl"
    data.write_text("".join(json.dumps({"text": f"Is {i} even?", "label": "yes" if i % 2 == 0 else "no"}) + "\n"
                            for i in range(3)))
    recipe = tmp_path / "toy.yaml"
    for task, ok in (("toy", True), ("toy-maybe", False)):
        recipe.write_text(f"model: {{name: {tiny_llama_dir}}}\nstages:\n  - kind: instruct\n    task: {task}\n"
                          f"    data: {{train: {data}}}\n")
        problems = [p for p in preflight(load_recipe(recipe), check_model=False) if ".task" in p]
        assert (problems == []) is ok, problems

    result = evaluate(tiny_llama_dir, task="toy", data=data, contamination=False)
    assert result["kind"] == "generation" and result["main_metric"] == "accuracy"
    assert set(result["metrics"]) >= {"accuracy", "toy_length", "unparsed"}
    assert result["metrics"]["toy_length"] == pytest.approx(_output_length(result["items"]))
    report = (write_report(result, tmp_path / "report", plots=False)["report.md"]).read_text()
    assert "| model | accuracy | unparsed | toy answer length |" in report


def _generation_result(name: str, outputs: list[str]) -> dict[str, Any]:
    items = [{"index": i, "truth": "yes", "output": o, "pred": _first_word(o, None), "parsed": True,
              "scores": exact_match(_first_word(o, None), "yes")} for i, o in enumerate(outputs)]
    return {"task": "toy-yesno", "kind": "generation", "n": len(items),
            "model": {"name": name, "kind": "base", "base": name},
            "main_metric": "accuracy", "method": "generation", "items": items, "data": {"source": "toy.jsonl"},
            "metrics": {"n": float(len(items)), "accuracy": 0.0, "toy_length": _output_length(items)}}


def test_a_toy_metric_is_in_the_report_the_cli_table_and_compare(toy: Task) -> None:
    from rich.console import Console

    from llmsec.cli.eval import print_result

    a = _generation_result("a", ["no"] * 20)
    b = _generation_result("b", ["yes, it is"] * 20)
    assert "toy answer length" in markdown_report({**a, "lineage": [], "contamination": {}})

    console = Console(record=True, width=200)
    print_result(console, {**a, "contamination": {}})
    assert "toy answer length" in console.export_text()

    rows = {r["metric"]: r for r in compare_results(a, b, n_resamples=50)}
    assert set(rows) == {"accuracy", "toy_length"}
    assert rows["toy_length"]["a"] == 2.0 and rows["toy_length"]["b"] == 10.0
    assert rows["toy_length"]["higher_is_better"] is False
    assert rows["accuracy"]["diff"] == 1.0


def test_a_task_can_score_all_its_answers_at_once() -> None:
    """``score_batch``: one call over every record and answer (a static analyser run over generated code)."""
    from llmsec.eval import score_generation

    seen: list[Any] = []

    def batch(records: Any, preds: Any) -> list[dict[str, float | None]]:
        seen.append((len(records), list(preds)))
        return [{"accuracy": float(p == r.label)} for r, p in zip(records, preds, strict=True)]

    task = Task(name="toy-batch", record_type=Example, description="toy", kind="generation", metrics=("accuracy",),
                answers=Answers(what="word", expected="a word", extract=_first_word, score_batch=batch))
    metrics, rows = score_generation(task, [Example("q", "yes"), Example("q", "no")], ["Yes.", "maybe"])
    assert seen == [(2, ["yes", "maybe"])] and metrics["accuracy"] == 0.5
    assert rows[1]["scores"] == {"accuracy": 0.0} and rows[1]["parsed"]
    with pytest.raises(ValueError, match="exactly one of score"):
        Answers(what="word", expected="a word", extract=_first_word)
