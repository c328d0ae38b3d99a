"""The report of ``prepare``: every count, per source and in total, reconciled (``report.json``, ``report.md``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_EXAMPLES = 10
# Every record of these tasks carries a label (an Example's label, a MultipleChoice's answer).
_LABELLED_KINDS = ("classification", "generation", "multiple-choice")


@dataclass
class SourceReport:
    """What one source yielded."""

    source: str
    format: str
    options: dict[str, Any]
    read: int
    loaded: int
    rejected: int
    reasons: dict[str, int]
    examples: list[str]
    task_rejected: int = 0
    lines: int = 0  # physical lines read (line-based formats; 0 for the others)


@dataclass
class PrepareReport:
    """Everything ``prepare`` did, with counts that reconcile.

    Attributes:
        sources: one :class:`SourceReport` per input.
        read, loaded, rejected: totals over the sources (``loaded + rejected == read``).
        task_rejected, task_reasons, task_examples: loaded records the task could not use.
        duplicates: ``exact`` and ``near`` (within the whole set), ``cross_split``
            (test records duplicating training ones), ``label_conflicts``
            (duplicate groups whose labels disagree) and ``near_pairs_kept`` (near
            duplicates with another label than their twin: minimal pairs such as
            Juliet's bad/good functions, kept, not counted as removed).
        scrubbed: replacements per placeholder type in the records' text;
            ``scrubbed_records`` records changed; ``scrubbed_meta``: replacements in meta values.
        kept: records per split; ``labels``: label counts per split; ``unlabelled``: records per
            split that carry no label (Documents and Conversations: the corpus and instruction
            tasks), so that label counts + unlabelled = kept in every split.
        group_overlap: groups on both sides of the split (0 for a group split).
        contamination: the train/test contamination check (counts and examples).
        warnings: things a reader should know (e.g. a group split far from the asked test size).
        audit: the dataset audit's verdicts (:meth:`AuditReport.compact`; the full report is
            ``audit.json`` / ``audit.md``), None when the audit was turned off.
    """

    task: str
    view: str
    split: str | None
    test_size: float
    seed: int
    out: str
    task_kind: str = ""
    sources: list[SourceReport] = field(default_factory=list)
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    task_rejected: int = 0
    task_reasons: dict[str, int] = field(default_factory=dict)
    task_examples: list[str] = field(default_factory=list)
    duplicates: dict[str, int] = field(default_factory=lambda: {
        "exact": 0, "near": 0, "cross_split": 0, "label_conflicts": 0, "near_pairs_kept": 0,
    })
    scrubbed: dict[str, int] = field(default_factory=dict)
    scrubbed_records: int = 0
    scrubbed_meta: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    labels: dict[str, dict[str, int]] = field(default_factory=dict)
    unlabelled: dict[str, int] = field(default_factory=dict)
    label_names: list[str] = field(default_factory=list)
    group_overlap: int = 0
    contamination: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    audit: dict[str, Any] | None = None

    @property
    def removed(self) -> int:
        """Duplicates removed (exact + near + cross-split)."""
        d = self.duplicates
        return d["exact"] + d["near"] + d["cross_split"]

    @property
    def total_kept(self) -> int:
        return sum(self.kept.values())

    def reconcile(self) -> None:
        """Raise AssertionError unless every count adds up (a bug, never bad data)."""
        problems = []
        for s in self.sources:
            if s.loaded + s.rejected != s.read:
                problems.append(f"{s.source}: loaded {s.loaded} + rejected {s.rejected} != read {s.read}")
        if self.loaded + self.rejected != self.read:
            problems.append(f"loaded {self.loaded} + rejected {self.rejected} != read {self.read}")
        if sum(s.read for s in self.sources) != self.read or sum(s.loaded for s in self.sources) != self.loaded:
            problems.append("per-source counts do not sum to the totals")
        if self.task_rejected + self.removed + self.total_kept != self.loaded:
            problems.append(
                f"loaded {self.loaded} != task-rejected {self.task_rejected} + duplicates {self.removed} "
                f"+ kept {self.total_kept}"
            )
        if sum(self.task_reasons.values()) != self.task_rejected:
            problems.append("task rejection reasons do not sum to task_rejected")
        if set(self.labels) | set(self.unlabelled) != set(self.kept):
            problems.append(f"label counts for splits {sorted(set(self.labels) | set(self.unlabelled))}, "
                            f"records kept in {sorted(self.kept)}")
        for name, kept in self.kept.items():
            labelled, unlabelled = sum(self.labels.get(name, {}).values()), self.unlabelled.get(name, 0)
            if labelled + unlabelled != kept:
                problems.append(f"{name}: label counts {labelled} + unlabelled {unlabelled} != kept {kept}")
            if unlabelled and self.task_kind in _LABELLED_KINDS:
                problems.append(f"{name}: {unlabelled} records without a label in a {self.task_kind} task")
        if self.split == "group" and self.group_overlap:
            problems.append(f"group split left {self.group_overlap} groups on both sides")
        if problems:
            raise AssertionError("prepare counts do not reconcile: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``report.json`` holds)."""
        data = asdict(self)
        data["removed"] = self.removed
        return data

    def summary(self) -> str:
        """A few plain lines: the counts that matter."""
        d = self.duplicates
        lines = [
            f"{self.task} ({self.view} view, split {self.split or 'none'}) -> {self.out}",
            f"read {self.read}, loaded {self.loaded}, rejected {self.rejected}; task rejected {self.task_rejected}",
            f"duplicates removed: {d['exact']} exact, {d['near']} near, {d['cross_split']} across splits"
            f" ({d['label_conflicts']} groups with conflicting labels; {d['near_pairs_kept']} near twins with"
            " another label kept)",
            f"scrubbed: {sum(self.scrubbed.values())} in {self.scrubbed_records} records"
            + (f" ({', '.join(f'{k} {v}' for k, v in sorted(self.scrubbed.items()))})" if self.scrubbed else ""),
            "kept: " + ", ".join(f"{k} {v}" for k, v in self.kept.items()),
        ]
        if self.contamination is not None:
            c = self.contamination
            lines.append(
                f"contamination: {c['contaminated']} of {c['n_test']} test records "
                f"(exact {c['exact']}, near {c['near']}, shared groups {c['shared_groups']})"
            )
        lines += [f"warning: {w}" for w in self.warnings]
        if self.audit is not None:
            lines.append(f"audit: {self.audit['verdict']}")
            lines += [f"  {f['check']}: {f['verdict']}: {f['message']}" for f in self.audit["findings"]
                      if f["verdict"] != "n/a"]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The report as Markdown (what ``report.md`` holds)."""
        d = self.duplicates
        md = [
            f"# prepare: {self.task}",
            "",
            f"- view: `{self.view}`; split: `{self.split or 'none'}` (test size {self.test_size}, seed {self.seed})",
            f"- settings: {', '.join(f'{k}={v}' for k, v in self.settings.items())}",
            f"- output: `{self.out}` ({self.seconds:.1f} s)",
            "",
            "## Sources",
            "",
            "| source | format | lines | read | loaded | rejected | task rejected |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for s in self.sources:
            md.append(f"| `{s.source}` | {s.format} | {s.lines or ''} | {s.read} | {s.loaded} | {s.rejected} "
                      f"| {s.task_rejected} |")
        md.append(
            f"| **total** | | | {self.read} | {self.loaded} | {self.rejected} | {self.task_rejected} |"
        )
        reasons = Counter[str]()
        for s in self.sources:
            reasons.update(s.reasons)
        for title, counts, examples in (
            ("Rejected by the loaders", reasons, [e for s in self.sources for e in s.examples]),
            ("Rejected by the task", Counter(self.task_reasons), self.task_examples),
        ):
            if counts:
                md += ["", f"## {title}", "", "| reason | records |", "| --- | ---: |"]
                md += [f"| {_cell(r)} | {n} |" for r, n in counts.most_common()]
                md += ["", "First examples:", ""] + [f"- `{_cell(e)}`" for e in examples[:MAX_EXAMPLES]]
        md += [
            "",
            "## De-duplication",
            "",
            f"- exact duplicates removed: {d['exact']}",
            f"- near duplicates removed: {d['near']}",
            f"- test records duplicating training records, removed: {d['cross_split']}",
            f"- duplicate groups whose labels disagree: {d['label_conflicts']}",
            f"- near duplicates with another label, kept as minimal pairs: {d['near_pairs_kept']}",
            "",
            "## Scrubbing",
            "",
            f"{sum(self.scrubbed.values())} replacements in {self.scrubbed_records} records' text; "
            f"{sum(self.scrubbed_meta.values())} in meta values.",
        ]
        if self.scrubbed or self.scrubbed_meta:
            md += ["", "| placeholder | text | meta |", "| --- | ---: | ---: |"]
            for kind in sorted(set(self.scrubbed) | set(self.scrubbed_meta)):
                md.append(f"| `<{kind}>` | {self.scrubbed.get(kind, 0)} | {self.scrubbed_meta.get(kind, 0)} |")
        md += ["", "## Splits", "", "| split | records |", "| --- | ---: |"]
        md += [f"| {k} | {v} |" for k, v in self.kept.items()]
        if any(self.labels.values()):
            names = sorted({lab for counts in self.labels.values() for lab in counts})
            md += ["", "| label | " + " | ".join(self.labels) + " |", "| --- |" + " ---: |" * len(self.labels)]
            for lab in names:
                md.append(f"| {_cell(lab)} | " + " | ".join(str(c.get(lab, 0)) for c in self.labels.values()) + " |")
        md += ["", "## Leakage", "", f"- groups on both sides of the split: {self.group_overlap}"]
        if self.contamination is not None:
            c = self.contamination
            md += [
                f"- contaminated test records: {c['contaminated']} of {c['n_test']} ({c['fraction']:.1%}):"
                f" exact {c['exact']}, near {c['near']}, in shared groups {c['group_overlap']}",
            ]
            for ex in c["examples"][:3]:
                md.append(f"  - test[{ex['test_index']}] ~ train[{ex['train_index']}] ({ex['kind']}): "
                          f"`{_cell(ex['test_text'])}`")
        if self.warnings:
            md += ["", "## Warnings", ""] + [f"- {w}" for w in self.warnings]
        if self.audit is not None:
            md += ["", f"## Audit: {self.audit['verdict']}", "", "| check | verdict | finding | remedy |",
                   "| --- | --- | --- | --- |"]
            md += [f"| {f['check']} | {f['verdict']} | {_cell(f['message'])} | {_cell(f['remedy'])} |"
                   for f in self.audit["findings"]]
        md += ["", "## Files", ""] + [f"- `{f}`" for f in self.files]
        return "\n".join(md) + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").replace("`", "'")
