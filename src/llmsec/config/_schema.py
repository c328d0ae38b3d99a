"""The typed recipe schema: one pydantic model, unknown keys are errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class QuantizationConfig(_Strict):
    """bitsandbytes quantization of the frozen base weights."""

    bits: Literal[4, 8] = 4
    quant_type: Literal["nf4", "fp4"] = "nf4"
    double_quant: bool = True
    compute_dtype: Literal["float32", "bfloat16", "float16"] = "bfloat16"


class ModelConfig(_Strict):
    """The base model of a recipe.

    ``name`` is a built-in name (``llmsec models list``), a Hugging Face id, a
    local directory, or a ``.gguf`` file.
    """

    name: str
    gguf_file: str | None = None
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "float32"
    trust_remote_code: bool = False
    revision: str | None = None


AdapterMethod = Literal["full", "lora", "dora", "qlora"]


class AdapterConfig(_Strict):
    """How a stage trains: full weights, or a peft adapter on a frozen base.

    ``qlora`` is LoRA on a 4-bit base; it sets ``quantization`` when left empty.
    """

    method: AdapterMethod = "lora"
    r: int = Field(8, ge=1)
    alpha: int = Field(16, ge=1)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] | Literal["all-linear"] = "all-linear"
    top_layers: int | None = Field(None, ge=1)  # adapt only the last N transformer blocks
    quantization: QuantizationConfig | None = None

    @model_validator(mode="after")
    def _check(self) -> AdapterConfig:
        if self.method == "qlora" and self.quantization is None:
            self.quantization = QuantizationConfig()
        if self.method == "full" and self.top_layers is not None:
            raise ValueError("adapter.top_layers applies to peft adapters (lora/dora/qlora), not method full")
        if self.method == "full" and self.quantization is not None:
            raise ValueError(
                "adapter.quantization needs a peft adapter: quantized weights cannot be "
                "trained in full. Use method: qlora (or lora/dora), or drop quantization."
            )
        return self


class DataConfig(_Strict):
    """Where a stage's data comes from.

    ``train`` and ``eval`` are file paths or built-in demo sets
    (``builtin:corpus``, ``builtin:instructions``, ``builtin:vuln-code``; add
    ``/test`` for the held-out split). ``format`` names a registered source
    format; when empty it is guessed from the file suffix (``.jsonl`` →
    ``jsonl``, text files → ``text``).
    """

    train: str
    eval: str | None = None
    format: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    max_samples: int | None = Field(None, ge=1)


class _StageBase(_Strict):
    name: str | None = None
    data: DataConfig
    adapter: AdapterConfig = Field(default_factory=AdapterConfig)
    trainer: dict[str, Any] = Field(default_factory=dict)
    max_length: int = Field(256, ge=8)
    # Samples per optimizer step over all processes; gradient accumulation is derived
    # from it (global / (per_device_train_batch_size x processes)), so the recipe
    # trains the same way on 1 or N processes. None: use the trainer: mapping as is.
    global_batch_size: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_batch_rule(self) -> _StageBase:
        if self.global_batch_size is not None and "gradient_accumulation_steps" in self.trainer:
            raise ValueError(
                "set either global_batch_size or trainer.gradient_accumulation_steps, not both: "
                "with global_batch_size the accumulation is derived from the number of processes"
            )
        return self

    @property
    def label(self) -> str:
        """The stage's display and directory name."""
        return self.name or self.kind  # type: ignore[attr-defined]


class VocabConfig(_Strict):
    """Extend the tokenizer with domain tokens before pre-training (``llmsec vocab``).

    ``extend`` tokens are chosen on ``corpus`` (a data source in ``format``;
    empty: the stage's train data) as those that most shorten it, added to the
    tokenizer, and the embeddings grown to match (new rows trainable under LoRA).
    """

    extend: int = Field(ge=1)
    corpus: str | None = None
    format: str | None = None
    method: Literal["auto", "bpe", "wordpiece"] = "auto"
    min_frequency: int = Field(2, ge=1)

    @model_validator(mode="after")
    def _check(self) -> VocabConfig:
        if self.format is not None and self.corpus is None:
            raise ValueError(
                f"vocab.format ({self.format!r}) applies to vocab.corpus, which is empty: set vocab.corpus, "
                "or drop vocab.format to build the vocabulary on the stage's train data"
            )
        return self


class PretrainStage(_StageBase):
    """Domain pre-training: continued causal-LM training, packed to ``max_length``."""

    kind: Literal["pretrain"] = "pretrain"
    vocab: VocabConfig | None = None  # domain vocabulary (llmsec.models.extend_vocabulary)
    # Packed documents do not attend to each other (position ids restart at each EOS);
    # on where the model's attention honours packed positions (llmsec.train._fastpath).
    document_mask: bool = True
    # trl's chunked LM head + cross-entropy: the (tokens x vocabulary) logits are never
    # whole. None: on with CUDA (its Triton kernel pays there), off on the CPU, where
    # the torch fallback measured slower for no memory saved at SmolLM2's 49k vocabulary.
    fused_lm_head: bool | None = None


class InstructStage(_StageBase):
    """Instruction tuning with trl's SFTTrainer; loss on assistant turns only."""

    kind: Literal["instruct"] = "instruct"
    system_prompt: str | None = None
    task: str | None = None  # render a detection task's Examples as conversations


class TransferStage(_StageBase):
    """Transfer learning: a classification head for a detection task."""

    kind: Literal["transfer"] = "transfer"
    task: str = "vuln-detect"
    class_weights: Literal["balanced", "none"] | list[float] = "balanced"


StageConfig = Annotated[PretrainStage | InstructStage | TransferStage, Field(discriminator="kind")]


class CheckpointingConfig(_Strict):
    """Intermediate checkpoints for resume.

    How often to save stays in each stage's ``trainer:`` mapping (``save_strategy:
    steps``, ``save_steps``, ``save_total_limit``); llmsec commits every checkpoint
    atomically and verifies it before resuming.
    """

    # Record the ids (token-hash) of the samples of every optimizer step in
    # <stage>/_trainer/samples.jsonl: an audit of exactly what trained the weights.
    record_samples: bool = False


class Recipe(_Strict):
    """A whole training recipe: a base model and the stages to run on it."""

    name: str = "llmsec-run"
    seed: int = 42
    output_dir: Path = Path("runs/llmsec-run")
    model: ModelConfig
    stages: list[StageConfig] = Field(min_length=1)
    checkpointing: CheckpointingConfig = Field(default_factory=CheckpointingConfig)

    @model_validator(mode="after")
    def _unique_stage_names(self) -> Recipe:
        labels = [s.label for s in self.stages]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ValueError(
                f"stage names must be unique, got {dupes} more than once: "
                "give repeated stages a distinct 'name'"
            )
        return self
