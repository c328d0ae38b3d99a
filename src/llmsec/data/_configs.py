"""The typed settings of ``prepare`` and ``audit``: one definition for Python, the CLI and YAML.

``prepare(PrepareConfig(...))`` and ``prepare(sources, task=..., out=...)`` are the same
call (the keywords build the config), ``llmsec data prepare`` builds it from its flags,
and ``llmsec data prepare --config prepare.yaml`` reads it from YAML, so all three
accept the same settings and refuse a bad one with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, InstanceOf, field_validator, model_validator

from ._load import Source, as_sources
from .formats import FORMATS
from .tasks import VIEWS, Task, get_task

_SPLITS = ("group", "time", "random")


def _known_format(value: str | None) -> str | None:
    if value is not None and value not in FORMATS:
        raise ValueError(FORMATS.unknown_message(value))
    return value


FormatName = Annotated[str | None, AfterValidator(_known_format)]
"""A registered format's name, or None (guessed); an unknown name lists the valid ones."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class SourceConfig(_Strict):
    """One data source: a path (file, folder, ``builtin:NAME``, ``hf:OWNER/NAME[:SPLIT]``), its format, options."""

    path: str = Field(description="A file or folder, `builtin:NAME[/test]` or `hf:OWNER/NAME[:SPLIT]`.")
    format: FormatName = Field(None, description="A registered format (`llmsec data formats`); null: guessed.")
    options: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments for the format's loader "
                                    "(`columns`, `labels`, `split`, ...).")

    def source(self) -> Source:
        """As the loaders take it."""
        return Source(self.path, self.format, dict(self.options))


def _sources(value: Any) -> Any:
    """Paths, tuples, mappings and :class:`Source` objects as SourceConfig dicts (YAML gives mappings already)."""
    if value is None or (isinstance(value, list) and all(isinstance(v, SourceConfig) for v in value)):
        return value
    if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
        return value
    return [{"path": str(s.path), "format": s.format, "options": dict(s.options)} for s in as_sources(value)]


class _DataSettings(_Strict):
    """What ``prepare`` and ``audit`` share: the task, how sources are read, the near-duplicate threshold, the seed."""

    task: str | InstanceOf[Task] = Field(description="A registered task (`llmsec data tasks`).")
    sources: list[SourceConfig] = Field(default_factory=list, description="The data sources, read in order.")
    format: FormatName = Field(None, description="The format of sources that name none; null: guessed.")
    options: dict[str, Any] = Field(default_factory=dict, description="Loader options for every source (a source's "
                                    "own options win).")
    max_samples: int | None = Field(None, ge=1, description="Read at most this many records from each source.")
    near_dedup: bool = Field(True, description="Also find near duplicates (MinHash), not only exact ones.")
    threshold: float = Field(0.8, gt=0.0, le=1.0, description="The near-duplicate Jaccard similarity threshold.")
    test_size: float = Field(0.2, gt=0.0, lt=1.0, description="The test fraction of the split.")
    seed: int = Field(0, description="Seed of the split (and the audit's sample and folds).")

    @field_validator("sources", mode="before")
    @classmethod
    def _as_sources(cls, value: Any) -> Any:
        return _sources(value)

    @field_validator("task", mode="before")
    @classmethod
    def _known_task(cls, value: Any) -> Any:
        if isinstance(value, str):
            get_task(value)  # an unknown name raises KeyError with the valid ones ("did you mean")
        return value

    @property
    def task_obj(self) -> Task:
        """The task, resolved."""
        return self.task if isinstance(self.task, Task) else get_task(self.task)

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> Any:
        """The settings in a YAML file, with ``overrides`` laid over them (what ``--config`` reads).

        Raises:
            ValueError: not a YAML mapping, or invalid settings (every error at once).
        """
        return load_config(cls, path, overrides)

    def source_list(self) -> list[Source]:
        """The sources with ``format`` and ``options`` filled in where a source leaves them unset."""
        return [Source(s.path, s.format or self.format, {**self.options, **s.options}) for s in self.sources]


class PrepareConfig(_DataSettings):
    """Everything ``prepare`` does: sources -> scrubbed, de-duplicated, leakage-aware train/test splits."""

    out: Path = Field(description="The output directory (created; an earlier prepare's output there is replaced).")
    split: Literal["group", "time", "random"] | None = Field(
        "group", description="`group` (no group on both sides), `time` (latest records are the test set), "
        "`random`, or null/`none` (everything in train).",
    )
    dedup: bool = Field(True, description="Remove exact (and, with near_dedup, near) duplicates.")
    scrub: bool = Field(True, description="Replace secrets and personal data with typed placeholders.")
    scrub_ips: bool = Field(False, description="Also replace IP addresses.")
    view: Literal["pair", "conversation", "corpus"] = Field(
        "pair", description="`pair` (text, label), `conversation` (messages) or `corpus` (text).")
    audit: bool = Field(True, description="Audit the records (twins, duplicates, shortcuts, leakage) into the report.")

    @field_validator("split", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if value in (None, "none"):
            return None
        if value not in _SPLITS:
            raise ValueError(f"unknown split {value!r}; use group, time, random or none")
        return value

    @field_validator("view", mode="before")
    @classmethod
    def _view(cls, value: Any) -> Any:
        if value not in VIEWS:
            raise ValueError(f"unknown view {value!r}; choose one of {', '.join(VIEWS)}")
        return value

    @model_validator(mode="after")
    def _fits_the_task(self) -> PrepareConfig:
        task = self.task_obj
        if self.view not in task.views:
            raise ValueError(f"task {task.name!r} has no {self.view!r} view; its views are {', '.join(task.views)}")
        if not self.sources:
            raise ValueError("prepare needs at least one source")
        return self


class AuditConfig(_DataSettings):
    """How ``audit`` reads and probes a dataset (sources may be empty when records are given)."""

    split: Literal["group", "random", "time", "none"] = Field(
        "group", description="The split the data will be used with when no test set is given.")
    probe_cap: int = Field(20_000, ge=10, description="Fit the probes and the baseline on at most this many records.")
    folds: int = Field(5, ge=2, le=20, description="Cross-validation folds of the probes.")
    strict: bool = Field(False, description="Raise AuditFindingsError on a warn or fail finding.")

    @field_validator("split", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if value is None:
            return "none"
        if value not in (*_SPLITS, "none"):
            raise ValueError(f"unknown split {value!r}; use group, random, time or none")
        return value

    @property
    def near(self) -> bool:
        """Whether near duplicates are looked for (``near_dedup``)."""
        return self.near_dedup


def load_config(kind: type[PrepareConfig] | type[AuditConfig], path: str | Path,
                overrides: Mapping[str, Any] | None = None) -> Any:
    """A PrepareConfig / AuditConfig from a YAML file, with ``overrides`` laid over it.

    Raises:
        ValueError: the file is not a YAML mapping, or the settings are invalid (pydantic's
            ValidationError, every error at once).
    """
    from ..config import safe_load_yaml

    data = safe_load_yaml(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of {kind.__name__} settings, got {type(data).__name__}")
    return kind.model_validate({**data, **(overrides or {})})
