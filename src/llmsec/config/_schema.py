"""The typed recipe schema: one pydantic model, unknown keys are errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._stages import StageSpec, on_stages_changed, register_stage, stage_union


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class QuantizationConfig(_Strict):
    """bitsandbytes quantization of the frozen base weights."""

    bits: Literal[4, 8] = Field(4, description="Weight precision: 4-bit, or 8-bit (LLM.int8()).")
    quant_type: Literal["nf4", "fp4"] = Field(
        "nf4", description="The 4-bit data type, NormalFloat4 or FP4 (`bnb_4bit_quant_type`); unused at 8 bits."
    )
    double_quant: bool = Field(
        True, description="Quantize the quantization constants too (`bnb_4bit_use_double_quant`); 4-bit only."
    )
    compute_dtype: Literal["float32", "bfloat16", "float16"] = Field(
        "bfloat16", description="The dtype 4-bit layers compute in (`bnb_4bit_compute_dtype`); 4-bit only."
    )
    quant_storage: Literal["uint8", "bfloat16", "float16", "float32"] = Field(
        "uint8", description="The dtype the packed 4-bit weights are stored in (`bnb_4bit_quant_storage`); set it "
        "to the adapter's compute dtype (e.g. bfloat16) for FSDP, which shards every parameter of one dtype "
        "together; 4-bit only."
    )


class ModelConfig(_Strict):
    """The base model of a recipe: where the first stage starts."""

    name: str = Field(
        description="A built-in model (`llmsec models list`), a Hugging Face id (with the hub offline, one in the "
        "local cache), a local model directory, an llmsec adapter checkpoint, or a `.gguf` file."
    )
    gguf_file: str | None = Field(
        None, description="The `.gguf` file to load inside the directory `name`, when it holds several."
    )
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "float32", description="The dtype the weights load in; `auto`: the checkpoint's own."
    )
    trust_remote_code: bool = Field(
        False,
        description="Run Python code shipped with the model (transformers `trust_remote_code`); off, such a "
        "model is refused. `llmsec train --trust-remote-code` turns it on.",
    )
    revision: str | None = Field(
        None, description="The hub revision (branch, tag or commit) of a Hugging Face id; unused for local paths."
    )
    attn_implementation: str | None = Field(
        None,
        description="The attention kernel (transformers `attn_implementation`): `eager`, `sdpa`, `flash_attention_2`, "
        "`flash_attention_3`, `flex_attention` or a hub kernel id; null: transformers' choice (sdpa where it can).",
    )
    device_map: str | dict[str, int | str] | None = Field(
        None,
        description="Where the weights are placed (transformers `device_map`): `auto` (split over the GPUs, then the "
        "CPU), `cpu`, `cuda:0`, or a module-to-device mapping; null: one device, placed by the trainer. Not with "
        "several processes (`accelerate launch`), which place the model themselves.",
    )
    rope_scaling: dict[str, Any] | None = Field(
        None,
        description="RoPE scaling laid over the model config's `rope_parameters`, e.g. `{rope_type: linear, factor: "
        "2.0}` or `{rope_type: yarn, factor: 4.0}`; the model's `rope_theta` and pre-training length are kept.",
    )
    max_context: int | None = Field(
        None,
        ge=1,
        description="The longest sequence the model takes: the config's `max_position_embeddings` and the "
        "tokenizer's `model_max_length`; raise it with `rope_scaling` to go past the pre-training length.",
    )

    @model_validator(mode="after")
    def _rope_type_named(self) -> ModelConfig:
        if self.rope_scaling is not None and not ({"rope_type", "type"} & self.rope_scaling.keys()):
            raise ValueError(
                "model.rope_scaling needs a rope_type (linear, dynamic, yarn, longrope, llama3), "
                f"got {self.rope_scaling}"
            )
        return self


AdapterMethod = Literal["full", "lora", "dora", "qlora"]


class AdapterConfig(_Strict):
    """How a stage trains: full weights, or a peft adapter on a frozen base."""

    method: AdapterMethod = Field(
        "lora",
        description="`full` trains every weight; `lora`, `dora` (LoRA with weight decomposition) and `qlora` "
        "(LoRA on a 4-bit base) train a peft adapter on the frozen base.",
    )
    r: int = Field(8, ge=1, description="The LoRA rank (peft `r`).")
    alpha: int = Field(16, ge=1, description="The LoRA scaling numerator (peft `lora_alpha`; scale alpha / r).")
    dropout: float = Field(0.05, ge=0.0, lt=1.0, description="Dropout on the LoRA branch (peft `lora_dropout`).")
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear",
        description="The module names that get an adapter, or `all-linear`: every linear layer but the output "
        "head (`lm_head`; a classifier's head trains in full instead).",
    )
    top_layers: int | None = Field(
        None,
        ge=1,
        description="Adapt only the last N transformer blocks (the backward pass stops below them); null: every "
        "block. Not with `full`.",
    )
    quantization: QuantizationConfig | None = Field(
        None,
        description="Load the frozen base quantized with bitsandbytes; `qlora` fills in the defaults when empty. "
        "Not with `full`.",
    )

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
    """Where a stage's data comes from."""

    train: str = Field(
        description="The training data: a file or folder path, or a built-in demo set (`builtin:corpus`, "
        "`builtin:instructions`, `builtin:vuln-code`)."
    )
    eval: str | None = Field(
        None,
        description="Held-out data, as `train` (`builtin:NAME/test` is a built-in set's test split); "
        "evaluated each epoch unless `trainer` says otherwise. null: no evaluation.",
    )
    format: str | None = Field(
        None,
        description="A registered source format (`llmsec data formats`) for `train` and `eval`; null: guessed "
        "from the suffix (`.jsonl`: `jsonl`, text files and folders: `text`).",
    )
    options: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments for the format's loader."
    )
    max_samples: int | None = Field(
        None, ge=1, description="Load only the first N records of `train` and of `eval`; null: all."
    )


#: The speed levers a stage can switch on (``llmsec.train._levers.apply_levers``), in the order they are applied.
Lever = Literal["fused-lora", "dequant-once", "flex", "offload", "compile"]
LEVERS: tuple[str, ...] = get_args(Lever)
#: The ``trainer:`` keys that turn on the trainer's own activation checkpointing (transformers' new and old name).
_CHECKPOINTING_KEYS = ("activation_checkpointing", "gradient_checkpointing")


def _kind_is_required(schema: dict[str, Any]) -> None:
    # A stage without `kind` is refused (the discriminator); say so in the JSON schema too.
    schema["required"] = ["kind", *[k for k in schema.get("required", []) if k != "kind"]]


class StageBase(_Strict):
    """What every stage's config has: name, data, adapter, trainer mapping, lengths and batch.

    A stage kind's config class derives from this and adds ``kind: Literal["<kind>"]``
    and its own keys; :func:`~llmsec.config.register_stage` declares it.
    """

    model_config = ConfigDict(json_schema_extra=_kind_is_required)

    name: str | None = Field(
        None,
        description="The stage's name, unique in the recipe: its output folder `<output_dir>/<i>-<name>` and "
        "how `--set` and logs refer to it. null: the stage's `kind`.",
    )
    data: DataConfig = Field(description="Where the stage's data comes from.")
    adapter: AdapterConfig = Field(
        default_factory=AdapterConfig, description="How the stage trains: full weights or a peft adapter."
    )
    trainer: dict[str, Any] = Field(
        default_factory=dict,
        description="Hugging Face `TrainingArguments` fields (`trl.SFTConfig` for instruct stages), e.g. "
        "`max_steps`, `learning_rate`, laid over llmsec's defaults; every key is checked before running. "
        "`output_dir`, `seed`, `data_seed` and `max_length` are reserved: set them in the recipe.",
    )
    max_length: int = Field(
        256,
        ge=8,
        description="Tokens per sequence: the packed block length (pretrain), trl's `max_length` (instruct), "
        "where an input is truncated (transfer).",
    )
    global_batch_size: int | None = Field(
        None,
        ge=1,
        description="Samples per optimizer step over all processes: gradient accumulation becomes global / "
        "(`per_device_train_batch_size` × processes), so the recipe trains the same on 1 or N processes. "
        "null: the `trainer` mapping as is. Not with `trainer.gradient_accumulation_steps`.",
    )
    levers: list[Lever] | None = Field(
        None,
        description="Speed levers (docs/performance.md), applied to the model with its adapter attached, before "
        "training: `fused-lora` (LoRA folded into the base matmul, one saved copy of the input), `dequant-once` "
        "(fused LoRA keeping each dequantized 4-bit weight for backward), `flex` (packed documents through "
        "flex_attention with a block mask; CUDA only), `offload` (activation checkpointing with each layer's "
        "input in CPU memory; not with `trainer.activation_checkpointing`), `compile` (regional torch.compile "
        "of the decoder blocks). null: none (none is on by default). One that cannot apply (flex on the CPU, "
        "fused-lora without LoRA layers) is skipped with a log line; the checkpoint's `llmsec.json` records what "
        "each did.",
    )

    @model_validator(mode="after")
    def _one_batch_rule(self) -> StageBase:
        if self.global_batch_size is not None and "gradient_accumulation_steps" in self.trainer:
            raise ValueError(
                "set either global_batch_size or trainer.gradient_accumulation_steps, not both: "
                "with global_batch_size the accumulation is derived from the number of processes"
            )
        return self

    @model_validator(mode="after")
    def _levers_fit(self) -> StageBase:
        levers = self.levers or []
        twice = sorted({lever for lever in levers if levers.count(lever) > 1})
        if twice:
            raise ValueError(f"levers names {twice} more than once")
        on = [key for key in _CHECKPOINTING_KEYS if self.trainer.get(key)]
        if "offload" in levers and on:
            raise ValueError(
                f"levers: offload is activation checkpointing itself (offloaded to CPU memory); with "
                f"trainer.{on[0]} the trainer would put plain checkpointing back: drop one of them"
            )
        return self

    @property
    def label(self) -> str:
        """The stage's display and directory name."""
        return self.name or self.kind  # type: ignore[attr-defined]


_StageBase = StageBase  # the earlier private name


class VocabConfig(_Strict):
    """Extend the tokenizer with domain tokens before pre-training (as ``llmsec vocab extend`` does).

    The tokens that most shorten the corpus are added to the tokenizer and the
    embeddings grown to match; the new rows train, beside a LoRA adapter too.
    """

    extend: int = Field(ge=1, description="How many domain tokens to add.")
    corpus: str | None = Field(
        None,
        description="The data source the tokens are chosen on; null: the stage's `data.train` (as `data` loads it).",
    )
    format: str | None = Field(
        None, description="The source format of `corpus`; null: guessed from its suffix. Needs `corpus`."
    )
    method: Literal["auto", "bpe", "wordpiece"] = Field(
        "auto",
        description="How candidate tokens are learnt: a BPE or WordPiece trainer; `auto`: WordPiece for a "
        "WordPiece tokenizer, else BPE.",
    )
    min_frequency: int = Field(
        2, ge=1, description="How often a candidate must occur in the corpus (and tokens it must save) to be added."
    )

    @model_validator(mode="after")
    def _check(self) -> VocabConfig:
        if self.format is not None and self.corpus is None:
            raise ValueError(
                f"vocab.format ({self.format!r}) applies to vocab.corpus, which is empty: set vocab.corpus, "
                "or drop vocab.format to build the vocabulary on the stage's train data"
            )
        return self


class PretrainStage(StageBase):
    """Domain pre-training: continued causal-LM training, packed to ``max_length``."""

    kind: Literal["pretrain"] = Field("pretrain", description="`pretrain`: picks this stage type.")
    vocab: VocabConfig | None = Field(
        None, description="Extend the tokenizer with domain tokens before training; null: keep the vocabulary."
    )
    document_mask: bool = Field(
        True,
        description="Packed documents do not attend to each other (position ids restart after each EOS), where "
        "the model's attention honours packed positions; elsewhere a warning, and they do.",
    )
    fused_lm_head: bool | None = Field(
        None,
        description="trl's chunked LM head + cross-entropy: the (tokens × vocabulary) logits are never whole. "
        "null: on with CUDA (its Triton kernel pays there), off on the CPU, where the torch fallback measured "
        "slower and saved memory only for a 128k vocabulary (docs/performance.md); true turns it on anyway.",
    )


class InstructStage(StageBase):
    """Instruction tuning with trl's SFTTrainer; loss on assistant turns only."""

    kind: Literal["instruct"] = Field("instruct", description="`instruct`: picks this stage type.")
    system_prompt: str | None = Field(
        None, description="A system turn put first in every conversation that has none."
    )
    task: str | None = Field(
        None,
        description="A registered task (`llmsec data tasks`) whose labelled examples are rendered as "
        "conversations; null: the data must be conversations.",
    )


class TransferStage(StageBase):
    """Transfer learning: a classification head for a detection task."""

    kind: Literal["transfer"] = Field("transfer", description="`transfer`: picks this stage type.")
    task: str = Field(
        "vuln-detect", description="The registered task (`llmsec data tasks`) whose labels the head predicts."
    )
    class_weights: Literal["balanced", "none"] | list[float] = Field(
        "balanced",
        description="Loss weight per class: `balanced` (inverse frequency in the training data), `none`, or one "
        "weight per label in the task's label order.",
    )
    cache_frozen: bool | None = Field(
        None,
        description="With `adapter.top_layers: k`, compute the frozen embeddings and lower blocks once per "
        "training example (in eval mode: no dropout below the trained blocks) and reuse their output, so "
        "epochs after the first run only the top k blocks and the head. The cache holds tokens (over all "
        "examples) × hidden size × bytes per value (4 in float32) in memory. null: on when training on the "
        "CPU sees the data more than once; true: also on a GPU or for one pass. Skipped, with a log line, "
        "when it would take more than a quarter of the available memory, with a left-padding tokenizer, or "
        "in multi-process runs. Evaluation and the saved adapter are unchanged: both use the full model.",
    )

    @model_validator(mode="after")
    def _cache_needs_top_layers(self) -> TransferStage:
        if self.cache_frozen and self.adapter.top_layers is None:
            raise ValueError("cache_frozen: true needs adapter.top_layers (the frozen blocks below the trained "
                             "ones are what it caches): set adapter.top_layers, or drop cache_frozen")
        return self


# The built-in stage kinds, each declared once (the trainers are imported on first use).
register_stage(StageSpec("pretrain", PretrainStage, "llmsec.train.domain_pretrainer:DomainPretrainer"))
register_stage(StageSpec("instruct", InstructStage, "llmsec.train.instruction_tuner:InstructionTuner", sft=True,
                         fast_path={"packing": True, "packing_strategy": "bfd", "padding_free": True}))
register_stage(StageSpec("transfer", TransferStage, "llmsec.train.transfer_trainer:TransferTrainer",
                         head="classifier"))

#: A stage's config, whatever its kind (for type hints; a recipe validates it by ``kind``).
StageConfig = StageBase


class CheckpointingConfig(_Strict):
    """Intermediate checkpoints for resume.

    How often to save stays in each stage's ``trainer:`` mapping (``save_strategy:
    steps``, ``save_steps``, ``save_total_limit``); llmsec commits every checkpoint
    atomically and verifies it before resuming.
    """

    record_samples: bool = Field(
        False,
        description="Record the ids (token hashes) of every optimizer step's samples in "
        "`<stage>/_trainer/samples.jsonl`: an audit of exactly what trained the weights.",
    )


class Recipe(_Strict):
    """A whole training recipe: a base model and the stages to run on it."""

    name: str = Field("llmsec-run", description="The run's name, kept in the saved `<output_dir>/recipe.yaml`.")
    seed: int = Field(42, description="The seed of every stage (model init, data order: trainer `seed`, `data_seed`).")
    output_dir: Path = Field(
        Path("runs/llmsec-run"),
        description="Where the run writes `recipe.yaml` and one checkpoint folder per stage, `<i>-<stage>`.",
    )
    model: ModelConfig = Field(description="The base model the first stage starts from.")
    stages: list[stage_union()] = Field(  # type: ignore[valid-type]  # the registered kinds
        min_length=1,
        description="The stages, in order, told apart by `kind`; each starts from the previous one's checkpoint.",
    )
    checkpointing: CheckpointingConfig = Field(
        default_factory=CheckpointingConfig, description="Intermediate checkpoints, for resume."
    )
    versions: dict[str, str] | None = Field(
        None,
        description="The llmsec and library versions a saved recipe (`<output_dir>/recipe.yaml`) was run with; "
        "written by llmsec, informational when read back, so a saved recipe trains again as it is.",
    )

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


def _rebuild_recipe() -> None:
    """Point ``Recipe.stages`` at the registered stage kinds (a stage was registered or removed)."""
    Recipe.model_fields["stages"].annotation = list[stage_union()]  # type: ignore[misc]
    Recipe.model_rebuild(force=True)


on_stages_changed(_rebuild_recipe)
