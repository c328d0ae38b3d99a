"""``EvalConfig``: what one evaluation measures, typed and validated like a recipe.

``llmsec eval`` builds one from its flags, Python passes one to
:func:`llmsec.eval.evaluate` (or keyword arguments, which are turned into
one), so the CLI and Python share one definition, one set of defaults and one
set of errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..config import ModelConfig, QuantizationConfig

__all__ = ["EvalConfig"]


class EvalConfig(BaseModel):
    """One evaluation: the model, the task, the test set and how to score it.

    Unknown keys are errors (``extra="forbid"``), as in recipes.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    model: ModelConfig = Field(description="A built-in name, model directory, checkpoint or ModelConfig.")
    task: str | None = Field(None, description="A registered task or one of its aliases (`llmsec data tasks`); "
                             "default: the checkpoint's task.")
    data: str | None = Field(None, description="The test set (path or `builtin:NAME/test`); default: the eval set "
                             "recorded in the checkpoint's manifest.")
    data_format: str | None = Field(None, description="The source format of `data` (guessed when None).")
    data_options: dict[str, Any] = Field(
        default_factory=dict, description="Options of the data's format (juliet-write: `split: test`, test_size, "
        "seed: the held-out side of a split by test case).")
    max_samples: int | None = Field(None, ge=1, description="Score only the first N records.")
    max_length: int = Field(256, ge=1, description="Token budget of each input.")
    batch_size: int = Field(8, ge=1, description="Items per forward pass / generate call.")
    quantize: str | QuantizationConfig | None = Field(
        None, description="`4bit` or `8bit` (or 4/8): load through bitsandbytes.")
    few_shot: int = Field(0, ge=0, description="K solved examples before each question (generation tasks).")
    few_shot_data: str | None = Field(
        None, description="Where the few-shot examples come from; default: the data's train split "
        "(`builtin:NAME` for `builtin:NAME/test`), else the first K test records (then not scored).")
    max_new_tokens: int | None = Field(None, ge=1, description="Answer length (default: the task's).")
    strict: bool = Field(False, description="Refuse a contaminated test set, or a failing data audit.")
    contamination: bool = Field(True, description="Run the contamination check against the training data.")
    baseline: bool = Field(True, description="Fit and score the TF-IDF baseline (detection tasks).")
    baseline_train: str | None = Field(None, description="The baseline's training data; default: the lineage's.")
    require_head: bool = Field(False, description="A detection task needs the checkpoint's head (no zero-shot).")
    audit: bool = Field(True, description="Audit the training/test split of a detection task first.")
    method: str | None = Field(
        None, description="Multiple choice: `generate` (greedy text, the letter extracted; the default) or "
        "`loglik` (each choice scored by its log-likelihood, as lm-evaluation-harness does).")

    @field_validator("model", mode="before")
    @classmethod
    def _model(cls, value: Any) -> Any:
        if isinstance(value, ModelConfig | dict):
            return value
        path = getattr(value, "path", None)  # a Checkpoint
        return ModelConfig(name=str(path if path is not None and not isinstance(value, str | Path) else value))

    @field_validator("data", "few_shot_data", "baseline_train", mode="before")
    @classmethod
    def _path(cls, value: Any) -> Any:
        return str(value) if isinstance(value, Path) else value

    @field_validator("quantize", mode="before")
    @classmethod
    def _quantize(cls, value: Any) -> Any:
        if value is None or isinstance(value, QuantizationConfig):
            return value
        text = str(value).lower().removesuffix("bit").removesuffix("-")
        if text not in ("4", "8"):
            raise ValueError(f"quantize must be '4bit' or '8bit', got {value!r}")
        return f"{text}bit"

    @field_validator("method")
    @classmethod
    def _method(cls, value: str | None) -> str | None:
        if value not in (None, "generate", "loglik"):
            raise ValueError(f"unknown method {value!r}; use 'generate' or 'loglik'")
        return value
