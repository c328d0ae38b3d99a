"""The dataset audit's report: one verdict per finding, probe scores, and the files it writes."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

logger = logging.getLogger(__name__)

Verdict = Literal["ok", "warn", "fail", "n/a"]
VERDICTS: tuple[Verdict, ...] = ("ok", "warn", "fail", "n/a")
_RANK = {"n/a": 0, "ok": 0, "warn": 1, "fail": 2}


class AuditFindingsError(ValueError):
    """A strict audit found problems; ``report`` holds the full :class:`AuditReport`."""

    def __init__(self, message: str, report: AuditReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class Finding:
    """One check's outcome.

    Attributes:
        check: ``twins``, ``duplicates``, ``split-duplicates``, ``shortcuts``, ``markers``,
            ``source`` or ``group-leakage``.
        verdict: ``ok``, ``warn``, ``fail``, or ``n/a`` (the check could not run; ``message`` says why).
        message: what was measured, in one or two sentences.
        remedy: what to do about it (empty when nothing is needed).
        metrics: the numbers behind the verdict.
        examples: a few records or features, for a reader to judge.
    """

    check: str
    verdict: Verdict
    message: str
    remedy: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


@dataclass
class ProbeResult:
    """A tiny model on one trivial feature set of the examples (or the full TF-IDF baseline).

    Attributes:
        name: the feature set (``length``, ``scheme+www``, ``column:sttl``, ``baseline``).
        description: what the feature set holds.
        model: the classifier fit on it.
        score: the cross-validated score (the report's ``metric``), None when it could not be fit.
        features: its most telling features (coefficients, split thresholds, per-label rates).
        verdict: ``fail`` (flagged: close to the baseline), ``warn`` (a strong tell), ``ok``, ``n/a``.
        reason: why the verdict (or why it could not be fit).
    """

    name: str
    description: str
    model: str
    score: float | None
    features: list[str] = field(default_factory=list)
    verdict: Verdict = "ok"
    reason: str = ""


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


@dataclass
class AuditReport:
    """What the dataset audit found, with a verdict per finding and the suggested remedy.

    Attributes:
        task: the audited task.
        n_records: records audited (train + test when a split was given).
        labels: records per label.
        sources: records per source (file name or given source id).
        split: the split audited (``group``, ``random``, ``time``, ``none`` or ``given``).
        metric: the probes' score (``f1`` of the positive class for binary tasks, else ``f1_macro``).
        chance: the best constant predictor's score under that metric.
        findings: one :class:`Finding` per check.
        probes: the trivial feature-set probes, best first, then the baseline.
        sample: how many records the probes were fit on (``used`` of ``of``, ``cap``).
        notes: caveats a reader should know (sampling, dropped rare labels, ...).
        seconds: wall time of the audit.
        settings: the audit's parameters.
    """

    task: str
    n_records: int
    labels: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    split: str = "group"
    metric: str = "f1_macro"
    chance: float | None = None
    findings: list[Finding] = field(default_factory=list)
    probes: list[ProbeResult] = field(default_factory=list)
    sample: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> Verdict:
        """The worst verdict over the findings (``n/a`` counts as ``ok``)."""
        worst = max((_RANK[f.verdict] for f in self.findings), default=0)
        return "fail" if worst == 2 else "warn" if worst == 1 else "ok"

    def finding(self, check: str) -> Finding:
        """The finding of one check (``KeyError`` listing the checks when there is none)."""
        for f in self.findings:
            if f.check == check:
                return f
        raise KeyError(f"no finding {check!r}; the findings are {[f.check for f in self.findings]}")

    def flagged(self, level: Verdict = "warn") -> list[Finding]:
        """Findings at or above ``level`` (``warn`` or ``fail``)."""
        if level not in ("warn", "fail"):
            raise ValueError(f"level must be 'warn' or 'fail', got {level!r}")
        return [f for f in self.findings if _RANK[f.verdict] >= _RANK[level] and f.verdict != "n/a"]

    @property
    def baseline(self) -> ProbeResult | None:
        """The full TF-IDF baseline's result, if it was fit."""
        return next((p for p in self.probes if p.name == "baseline"), None)

    def raise_for_findings(self, level: Verdict = "warn") -> None:
        """Raise :class:`AuditFindingsError` when a finding is at or above ``level``."""
        bad = self.flagged(level)
        if bad:
            listed = "; ".join(f"{f.check} {f.verdict}: {f.message}" for f in bad)
            raise AuditFindingsError(
                f"the audit of task {self.task!r} found {len(bad)} problem(s): {listed}. "
                "Apply the remedies in the report, or drop --strict to proceed anyway",
                self,
            )

    def summary(self) -> str:
        """A short plain-text table: one line per finding, then the best probes."""
        lines = [
            f"audit {self.task}: {self.n_records} records, split {self.split}, verdict {self.verdict.upper()}",
        ]
        width = max((len(f.check) for f in self.findings), default=8)
        for f in self.findings:
            lines.append(f"  {f.check:<{width}}  {f.verdict:<4}  {f.message}")
        shown = [p for p in self.probes if p.score is not None][:6]
        if shown:
            lines.append(f"  probes ({self.metric}, chance {_fmt(self.chance)}): " + ", ".join(
                f"{p.name} {_fmt(p.score)}" + ("!" if p.verdict == "fail" else "") for p in shown
            ))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``audit.json`` holds)."""
        data = asdict(self)
        data["verdict"] = self.verdict
        return data

    def compact(self) -> dict[str, Any]:
        """The verdicts and messages only (what ``prepare``'s report keeps)."""
        return {
            "verdict": self.verdict,
            "findings": [{"check": f.check, "verdict": f.verdict, "message": f.message, "remedy": f.remedy}
                         for f in self.findings],
            "probes": {p.name: p.score for p in self.probes},
            "metric": self.metric,
            "notes": list(self.notes),
        }

    def to_markdown(self) -> str:
        """The report as Markdown (what ``audit.md`` holds)."""
        md = [
            f"# Dataset audit: {self.task}",
            "",
            f"- records: {self.n_records}; labels: "
            + ", ".join(f"{k} {v}" for k, v in self.labels.items()),
            "- sources: " + (", ".join(f"`{k}` {v}" for k, v in self.sources.items()) or "-"),
            f"- split audited: `{self.split}`; verdict: **{self.verdict}** ({self.seconds:.1f} s)",
            "",
            "## Findings",
            "",
            "| check | verdict | finding | remedy |",
            "| --- | --- | --- | --- |",
        ]
        md += [f"| {f.check} | {f.verdict} | {_cell(f.message)} | {_cell(f.remedy)} |" for f in self.findings]
        if self.probes:
            md += [
                "",
                f"## Probes ({self.metric}; chance {_fmt(self.chance)})",
                "",
                "| probe | model | score | verdict | features |",
                "| --- | --- | ---: | --- | --- |",
            ]
            for p in self.probes:
                what = "; ".join(p.features[:4]) or p.reason
                md.append(f"| {p.name} | {p.model} | {_fmt(p.score)} | {p.verdict} | {_cell(what)} |")
        for f in self.findings:
            if f.examples:
                md += ["", f"### {f.check}: examples", ""] + [f"- `{_cell(e)[:200]}`" for e in f.examples[:8]]
        if self.notes:
            md += ["", "## Notes", ""] + [f"- {n}" for n in self.notes]
        return "\n".join(md) + "\n"

    def plot(self, path: str | Path) -> Path | None:
        """Bar chart of the probes' scores against the baseline and chance; None without scores."""
        scored = [p for p in self.probes if p.score is not None]
        if not scored:
            return None
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        colours = {"fail": "#c0392b", "warn": "#e67e22", "ok": "#7f8c8d", "n/a": "#bdc3c7"}
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(scored) + 1.2))
        names = [p.name for p in scored][::-1]
        scores = [p.score or 0.0 for p in scored][::-1]
        cols = ["#2c3e50" if p.name == "baseline" else colours[p.verdict] for p in scored][::-1]
        ax.barh(names, scores, color=cols)
        if self.chance is not None:
            ax.axvline(self.chance, color="black", linestyle=":", linewidth=1, label=f"chance {self.chance:.2f}")
            ax.legend(loc="lower right", fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_xlabel(self.metric)
        ax.set_title(f"{self.task}: trivial feature-set probes vs the TF-IDF baseline", fontsize=10)
        fig.tight_layout()
        out = Path(path)
        fig.savefig(out, dpi=100)
        plt.close(fig)
        return out

    def write(self, out: str | Path, *, plot: bool = True) -> list[Path]:
        """Write ``audit.json``, ``audit.md`` and (with probe scores) ``audit.png`` into ``out``."""
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        files = [folder / "audit.json", folder / "audit.md"]
        files[0].write_text(json.dumps(self.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
        files[1].write_text(self.to_markdown(), encoding="utf-8")
        if plot:
            png = self.plot(folder / "audit.png")
            if png is not None:
                files.append(png)
        logger.info("audit report written to %s", folder)
        return files
