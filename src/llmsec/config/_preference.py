"""The preference stage's recipe section (``kind: preference``): DPO or KTO with trl."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ._schema import StageBase
from ._stages import StageSpec, register_stage

# The loss types of the installed trl (1.16) each method takes; the trainer checks them again.
DPO_LOSSES = ("sigmoid", "hinge", "ipo", "exo_pair", "nca_pair", "robust", "bco_pair", "sppo_hard", "aot",
              "aot_unpaired", "apo_zero", "apo_down", "discopop", "sft", "sigmoid_norm")
KTO_LOSSES = ("kto", "apo_zero_unpaired")


class PreferenceStage(StageBase):
    """Preference tuning on (prompt, chosen, rejected) pairs or (prompt, completion, label) judgements.

    The reference model is the stage's base (the previous stage's checkpoint in a pipeline):
    with a peft adapter, the base with a frozen copy of the fresh adapter; with ``full``, a
    second frozen copy of the base.
    """

    kind: Literal["preference"] = Field("preference", description="`preference`: picks this stage type.")
    method: Literal["dpo", "kto"] = Field(
        "dpo",
        description="`dpo` (trl `DPOTrainer`: pairs only) or `kto` (trl `KTOTrainer`: pairs are split into a "
        "desirable and an undesirable completion; unpaired judgements are used as they are).",
    )
    loss_type: str | list[str] | None = Field(
        None,
        description="The method's loss, as trl names it: for `dpo` one or more of sigmoid (DPO), ipo, hinge, "
        "robust, exo_pair, nca_pair, bco_pair, sppo_hard, aot, aot_unpaired, apo_zero, apo_down, discopop, sft, "
        "sigmoid_norm; for `kto`: kto or apo_zero_unpaired. null: sigmoid / kto.",
    )
    beta: float = Field(
        0.1, gt=0.0, description="How far the tuned model may move from the reference model (trl `beta`)."
    )
    desirable_weight: float = Field(1.0, gt=0.0, description="KTO: the loss weight of desirable completions.")
    undesirable_weight: float = Field(1.0, gt=0.0, description="KTO: the loss weight of undesirable completions.")
    max_prompt_length: int = Field(
        192,
        ge=1,
        description="Prompt token budget: a record whose prompt (as the model sees it, chat template included) "
        "is longer is rejected with its file, line and reason, and counted. The completion gets the rest of "
        "`max_length`.",
    )
    system_prompt: str | None = Field(
        None, description="A system turn put before every prompt (chat models only)."
    )
    method_args: dict[str, Any] = Field(
        default_factory=dict,
        description="Other fields of trl's `DPOConfig` / `KTOConfig` (e.g. `label_smoothing`, "
        "`precompute_ref_log_probs`), checked against the class before training.",
    )

    @model_validator(mode="after")
    def _loss_fits_method(self) -> PreferenceStage:
        known = DPO_LOSSES if self.method == "dpo" else KTO_LOSSES
        losses = [self.loss_type] if isinstance(self.loss_type, str) else list(self.loss_type or [])
        unknown = [x for x in losses if x not in known]
        if unknown:
            raise ValueError(f"loss_type {unknown} is not a {self.method} loss; use one of: {', '.join(known)}")
        if self.method == "kto" and len(losses) > 1:
            raise ValueError(f"method kto takes one loss_type, got {losses}")
        if self.max_prompt_length >= self.max_length:
            raise ValueError(f"max_prompt_length ({self.max_prompt_length}) must be below max_length "
                             f"({self.max_length}): the completion needs room too")
        return self


register_stage(StageSpec("preference", PreferenceStage, "llmsec.train.preference_tuner:PreferenceTuner"))
