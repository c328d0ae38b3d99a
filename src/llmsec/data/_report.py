"""Load reports: every record read is either loaded or rejected with a reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rejection:
    """One rejected record: where it was and why it was refused.

    ``by`` says who refused it: ``"format"`` (the loader could not read it) or ``"task"``
    (it was read, but the task it was loaded for cannot use it).
    """

    file: str
    line: int
    reason: str
    by: str = "format"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class LoadReport:
    """Counts for one load; ``loaded + rejected == read`` always holds.

    ``lines`` is the number of physical lines the loader read, for the line-based
    formats (CSV/TSV, JSON lines, logs, mbox); 0 for the others. In a line-oriented
    format every line is a header, a blank line or exactly one record read, so
    ``read`` can be checked against it.
    """

    source: str
    read: int = 0
    loaded: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    lines: int = 0

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def accept(self) -> None:
        """Count one record read and loaded."""
        self.read += 1
        self.loaded += 1

    def reject(self, file: str, line: int, reason: str) -> None:
        """Count one record read and rejected, with where and why."""
        self.read += 1
        self.rejections.append(Rejection(file, line, reason))

    def reject_for_task(self, file: str, line: int, reason: str) -> None:
        """Move one loaded record to the rejected ones: the task it was loaded for cannot use it."""
        self.loaded -= 1
        self.rejections.append(Rejection(file, line, reason, by="task"))

    @property
    def task_rejected(self) -> int:
        """Records the loader read and the task refused (counted in ``rejected`` too)."""
        return sum(r.by == "task" for r in self.rejections)

    def check(self) -> None:
        """Raise if the counts do not reconcile (a loader bug, never bad data)."""
        if self.loaded + self.rejected != self.read:
            raise AssertionError(
                f"{self.source}: loaded {self.loaded} + rejected {self.rejected} != read {self.read}"
            )

    def reasons(self) -> Counter[str]:
        """How many records were rejected for each reason."""
        return Counter(r.reason for r in self.rejections)

    def summary(self, max_examples: int = 5) -> str:
        """A short human-readable summary, with a few rejected examples."""
        physical = f" from {self.lines} lines" if self.lines else ""
        lines = [f"{self.source}: read {self.read}{physical}, loaded {self.loaded}, rejected {self.rejected}"]
        lines += [f"  {r}" for r in self.rejections[:max_examples]]
        if self.rejected > max_examples:
            lines.append(f"  ... and {self.rejected - max_examples} more")
        return "\n".join(lines)


class EmptyDatasetError(ValueError):
    """A source yielded zero usable records."""
