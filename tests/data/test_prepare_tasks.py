"""prepare works for every registered task and every view it declares, labelled or not.

The cases come from the task registry itself (``TASKS``), so a new task is covered here
without editing a list: its records are drawn from record shapes every source produces,
keeping those the task accepts.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from llmsec.data import (
    TASKS,
    Conversation,
    Document,
    Example,
    Message,
    MultipleChoice,
    Record,
    TaskRecordError,
    get_task,
    prepare,
    record_to_dict,
)
from llmsec.data._prepare import PrepareReport, SourceReport
from llmsec.data.clean._split import record_time

_WORDS = [f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "ru", "so", "ti", "va", "zu", "pe")
          for b in ("dar", "fen", "gol", "hix", "jup", "kem", "lor", "mav", "nop", "qus")]


def _tail(i: int) -> str:
    """Words that make record ``i`` distinct from every other (no exact or near duplicates)."""
    return " ".join(random.Random(i).sample(_WORDS, 14))


def _day(i: int) -> str:
    return f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}"


# Record shapes the sources produce, each a function of an index; a task keeps what it accepts.
_SHAPES: list[Callable[[int, str], Record]] = [
    # code is de-duplicated with comments dropped and names blinded: the distinct words go in a literal
    lambda i, lab: Example(f'int f{i}(char *a) {{ char b[4]; strcpy(b, a); puts("{_tail(i)}"); }}', lab,
                           group=f"proj{i % 5}", time=_day(i), meta={"cwe": ["CWE-120"], "flaw_lines": [1]}),
    lambda i, lab: Example(f"Cross-site scripting in Foo {i} lets attackers inject script: {_tail(i)}", lab,
                           group=f"CVE-2023-{i:04d}", time=_day(i),
                           meta={"cve_id": f"CVE-2023-{i:04d}", "cwes": ["CWE-79"], "severity": "MEDIUM",
                                 "cvss_v3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
                                 "cvss_v3_score": 6.1}),
    lambda i, lab: Example(f"Backdoor {i} uses HTTP for C2: {_tail(i)}", lab, group=f"S{i:04d}", time=_day(i)),
    lambda i, lab: Example(f"http://login{i}.{_tail(i).split()[0]}.example{i % 5}.ru/verify", lab,
                           group=f"example{i % 5}.ru", time=_day(i),
                           meta={"registered_domain": f"example{i % 5}.ru", "target": "Bank"}),
    lambda i, lab: Example(f"duration={i} protocol_type=tcp service=private flag=REJ {_tail(i)}", lab,
                           group=f"10.0.0.{i % 5}", time=_day(i), meta={"attack": "neptune"}),
    lambda i, lab: Example(f"ldrloaddll ldrgetprocedureaddress {_tail(i)}", lab, group=f"h{i}", time=_day(i)),
    lambda i, lab: Document(f"T1055.{i:03d}: Injection variant {i}. Adversaries may {_tail(i)}.",
                            source="enterprise.json",
                            meta={"technique_id": f"T1055.{i:03d}", "name": f"Injection {i}", "parent_id": "T1055",
                                  "tactics": ["defense-evasion"], "time": _day(i), "group": f"g{i % 5}"}),
    lambda i, lab: Conversation((Message("user", f"Question {i}: {_tail(i)}?"),
                                 Message("assistant", f"Answer {i}: {_tail(i + 1000)}.")),
                                meta={"time": _day(i), "group": f"g{i % 5}"}),
    lambda i, lab: MultipleChoice(f"Question {i}: {_tail(i)}?", ("21", "443", "80", "25"), "ABCD"[i % 4],
                                  meta={"time": _day(i), "group": f"g{i % 5}"}),
]
_LABELS = ("vulnerable", "safe", "CWE-79", "T1059, T1071", "phishing", "benign", "legitimate", "spam",
           "malicious", "Trojan", "Backdoor")


def _records(task_name: str, n: int = 30, timed: bool = False) -> list[Record]:
    """``n`` distinct records the task accepts, cycling through every label it accepts.

    With ``timed``, only records whose adapted form keeps a time (for a time split).
    """
    task = get_task(task_name)
    out: list[Record] = []
    for shape in _SHAPES:
        for i in range(n):
            for lab in (*task.labels[i % max(1, len(task.labels)):], *_LABELS):
                try:
                    record = shape(i, lab)
                    adapted = task.adapt(record)
                except TaskRecordError:
                    continue
                if timed and record_time(adapted) is None:
                    break
                out.append(record)
                break
        if len(out) >= n:
            return out
    return out


def _write(path: Path, records: list[Record]) -> Path:
    path.write_text("".join(json.dumps(record_to_dict(r)) + "\n" for r in records), encoding="utf-8")
    return path


def _check(report: PrepareReport, n: int) -> None:
    report.reconcile()
    assert report.loaded == n and report.total_kept > 0
    for name, kept in report.kept.items():
        assert sum(report.labels[name].values()) + report.unlabelled[name] == kept


_CASES = [(name, view) for name in TASKS.names() for view in get_task(name).views]


@pytest.mark.parametrize(("name", "view"), _CASES, ids=[f"{n}-{v}" for n, v in _CASES])
def test_every_task_prepares_in_every_view(name: str, view: str, tmp_path: Path) -> None:
    records = _records(name)
    assert len(records) >= 20, f"too few records serve task {name!r}"
    src = _write(tmp_path / "src.jsonl", records)
    report = prepare(src, task=name, out=tmp_path / "out", view=view, split="random", audit=False,  # type: ignore[arg-type]
                     format="jsonl")
    _check(report, len(records))
    assert set(report.kept) == {"train", "test"}
    task = get_task(name)
    if task.kind in ("corpus", "instructions"):
        assert not any(report.labels.values()) and report.unlabelled["train"] == report.kept["train"]
    else:
        assert report.unlabelled == {"train": 0, "test": 0}
    assert (tmp_path / "out" / "train.jsonl").is_file() and (tmp_path / "out" / "report.json").is_file()


_UNLABELLED = [name for name in TASKS.names() if get_task(name).kind in ("corpus", "instructions")]


@pytest.mark.parametrize("split", ["none", "random", "group", "time"])
@pytest.mark.parametrize("name", _UNLABELLED)
def test_unlabelled_tasks_prepare_with_every_split(name: str, split: str, tmp_path: Path) -> None:
    records = _records(name, timed=True)
    assert len(records) >= 20
    src = _write(tmp_path / "src.jsonl", records)
    view = get_task(name).views[0]
    report = prepare(src, task=name, out=tmp_path / "out", view=view, format="jsonl",  # type: ignore[arg-type]
                     split=None if split == "none" else split, audit=split == "group")  # type: ignore[arg-type]
    _check(report, len(records))
    assert set(report.kept) == ({"train"} if split == "none" else {"train", "test"})


def test_unlabelled_tasks_exist() -> None:
    assert {"corpus", "instructions"} <= set(_UNLABELLED)


def test_a_time_split_of_records_without_times_is_a_clean_error(tmp_path: Path) -> None:
    src = _write(tmp_path / "src.jsonl", [Document(f"Document {i}: {_tail(i)}") for i in range(20)])
    with pytest.raises(ValueError, match="20 of 20 records have no time"):
        prepare(src, task="corpus", out=tmp_path / "out", view="corpus", format="jsonl", split="time", audit=False)


@pytest.mark.parametrize(("source", "task", "view"), [
    ("builtin:corpus", "corpus", "corpus"),
    ("builtin:instructions", "instructions", "conversation"),
    ("builtin:vuln-code", "vuln-detect", "pair"),
])
def test_cli_prepares_the_builtin_demo_data_without_a_split(source: str, task: str, view: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app

    result = CliRunner().invoke(app, ["data", "prepare", source, "--task", task, "--view", view,
                                      "--split", "none", "--no-audit", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["kept"]["train"] == report["loaded"] - report["removed"] - report["task_rejected"] > 0


def test_reconcile_still_catches_lost_unlabelled_records() -> None:
    def report(kind: str, labels: dict[str, int], unlabelled: int) -> PrepareReport:
        source = SourceReport(source="s", format="jsonl", options={}, read=10, loaded=10, rejected=0, reasons={},
                              examples=[])
        return PrepareReport(task="t", view="corpus", split=None, test_size=0.2, seed=0, out="x", task_kind=kind,
                             sources=[source], read=10, loaded=10, kept={"train": 10}, labels={"train": labels},
                             unlabelled={"train": unlabelled})

    report("corpus", {}, 10).reconcile()
    report("classification", {"safe": 4, "vulnerable": 6}, 0).reconcile()
    with pytest.raises(AssertionError, match="label counts 0 \\+ unlabelled 9 != kept 10"):
        report("corpus", {}, 9).reconcile()
    with pytest.raises(AssertionError, match="5 records without a label in a classification task"):
        report("classification", {"safe": 5}, 5).reconcile()
