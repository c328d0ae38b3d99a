"""Every metric a task names is registered, computed by evaluate and reported; the task, not its name, decides.

Defects of issue 15 these tests pin: ``Task.metrics`` names nothing computed
(``f1_weighted``, ``technique_f1``, ``vector_exact_match``, ...), ``Task.code``
ignored for ``cwe-classify``, ``attack-technique`` scored as zero-shot
detection, metrics computed twice (scikit-learn and numpy).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from llmsec.data import TASKS, Example, get_task
from llmsec.eval import METRICS, detection_metrics, detection_summary, evaluate, get_metric, score_generation
from llmsec.eval import _evaluate as evaluate_module
from llmsec.eval._compare import compare_results

TASK_NAMES = TASKS.names()


@pytest.mark.parametrize("name", TASK_NAMES)
def test_every_metric_a_task_names_is_registered(name: str) -> None:
    task = get_task(name)
    missing = [m for m in task.metrics if m not in METRICS]
    assert not missing, f"task {name!r} names metrics no one computes: {missing}; register them (llmsec.eval.Metric)"
    assert task.main_metric in task.metrics


@pytest.mark.parametrize("name", TASK_NAMES)
def test_every_metric_a_task_names_is_computed_for_how_it_is_scored(name: str, tiny_llama_dir: Path) -> None:
    task = get_task(name)
    if task.generates:
        assert all(get_metric(m).applies("generation") for m in task.metrics), task.metrics
    elif task.kind in ("corpus", "instructions"):
        from llmsec.eval import answer_perplexity, perplexity
        from llmsec.models import load_model, load_tokenizer

        model, tok = load_model(str(tiny_llama_dir)), load_tokenizer(str(tiny_llama_dir))
        if task.kind == "corpus":
            out = perplexity(model, tok, ["A buffer overflow."], max_length=16)
        else:
            out = answer_perplexity(model, tok, [{"prompt": [{"role": "user", "content": "CWE-89?"}],
                                                  "completion": [{"role": "assistant", "content": "SQLi."}]}])
        assert set(task.metrics) <= set(out), (task.metrics, sorted(out))
    else:
        n_labels = len(task.labels) or 3
        y = np.arange(12) % n_labels
        probs = np.random.default_rng(0).dirichlet(np.ones(n_labels), 12)
        metrics = detection_summary(y, probs, task.metrics)
        assert set(task.metrics) <= set(metrics), (task.metrics, sorted(metrics))


def test_registry_detection_metrics_equal_detection_metrics() -> None:
    """One definition: evaluate's detection numbers are the validated ``detection_metrics``' numbers."""
    rng = np.random.default_rng(3)
    for n_labels in (2, 4):
        y = np.arange(40) % n_labels
        probs = rng.dirichlet(np.ones(n_labels), 40)
        ours = detection_summary(y, probs)
        scores = probs[:, 1] if n_labels == 2 else probs
        theirs = detection_metrics(y, probs.argmax(-1), y_score=scores, labels=list(range(n_labels)))
        assert set(ours) == set(theirs)
        assert ours == pytest.approx(theirs)


def test_compare_uses_the_registered_functions() -> None:
    rng = np.random.default_rng(4)
    y = (np.arange(30) % 2).tolist()

    def result(p1: list[float]) -> dict[str, Any]:
        items = [{"index": i, "label": t, "pred": int(p >= 0.5), "probs": [1 - p, p]}
                 for i, (t, p) in enumerate(zip(y, p1, strict=True))]
        return {"task": "vuln-detect", "kind": "detection", "n": 30, "model": {"name": "m"}, "items": items}

    a, b = result(rng.random(30).tolist()), result(rng.random(30).tolist())
    for row in compare_results(a, b, n_resamples=20):
        fn = get_metric(row["metric"]).fn
        assert row["a"] == fn(a["items"]) and row["b"] == fn(b["items"])


def test_cvss_and_attack_metrics_are_computed() -> None:
    true = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    m, _ = score_generation(get_task("cvss-predict"), [Example("d", true)] * 2,
                            [true, "AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"])
    assert set(get_task("cvss-predict").metrics) <= set(m)
    assert m["vector_exact_match"] == 0.5 and m["metric_accuracy"] == pytest.approx((1 + 5 / 8) / 2)
    m, _ = score_generation(get_task("attack-technique"), [Example("r", "T1059, T1566")] * 2,
                            ["T1566, T1059", "T1059, T1003, T1105"])
    assert set(get_task("attack-technique").metrics) <= set(m)
    assert m["accuracy"] == 0.5 and m["technique_precision"] == pytest.approx((1 + 1 / 3) / 2)
    assert m["technique_recall"] == pytest.approx(0.75) and m["technique_f1"] == pytest.approx((1 + 0.4) / 2)


def test_cwe_classify_is_checked_as_code_and_reports_its_metrics(tiny_llama_dir: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    real = evaluate_module.contamination_check

    def spy(*args: Any, **kwargs: Any) -> dict[str, Any]:
        seen["code"] = kwargs.get("code")
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluate_module, "contamination_check", spy)
    data = tmp_path / "cwe.jsonl"
    rows = [("strcpy(buf, s);", "CWE-787"), ("printf(s);", "CWE-134"), ("memcpy(d, s, n);", "CWE-787")]
    data.write_text("".join(json.dumps({"text": t, "label": lab}) + "\n" for t, lab in rows))
    result = evaluate(tiny_llama_dir, task="cwe-classify", data=data, baseline=False, audit=False)
    assert seen["code"] is True  # Task.code, not the task's name, decides
    assert result["kind"] == "detection" and {"accuracy", "f1_macro", "f1_weighted"} <= set(result["metrics"])
    from llmsec.eval import markdown_report

    assert "F1 (weighted)" in markdown_report(result)
    evaluate(tiny_llama_dir, task="cve-to-cwe", data=data, max_new_tokens=2, baseline=False)
    assert seen["code"] is False


def test_attack_technique_is_scored_by_generation(tiny_llama_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "ate.jsonl"
    data.write_text("".join(json.dumps({"text": f"The actor ran PowerShell scripts ({i}).", "label": "T1059"}) + "\n"
                            for i in range(2)))
    result = evaluate(tiny_llama_dir, task="attack-technique", data=data, max_new_tokens=4, contamination=False)
    assert result["kind"] == "generation" and result["main_metric"] == "technique_f1"
    assert result["higher_is_better"] is True and len(result["items"]) == 2
    assert set(get_task("attack-technique").metrics) <= set(result["metrics"])


def test_a_generation_task_reads_its_own_records(tiny_llama_dir: Path, tmp_path: Path) -> None:
    """NVD-style CVEs (labelled with their CWE) become cvss-predict's records: the vector is the reference."""
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    data = tmp_path / "cves.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in [
        {"text": "SQL injection in the login form.", "label": "CWE-89", "meta": {"cvss_v3_vector": vector}},
        {"text": "XSS in the search box.", "label": "CWE-79", "meta": {"cvss_v3_vector": vector}},
        {"text": "No score yet.", "label": "CWE-20"},
    ]))
    result = evaluate(tiny_llama_dir, task="cvss-predict", data=data, max_new_tokens=3, contamination=False)
    assert result["kind"] == "generation" and result["n"] == 2
    assert [it["truth"] for it in result["items"]] == [vector, vector]
    assert result["data"]["refused"] == 1 and any("no CVSS v3 vector" in w for w in result["warnings"])
