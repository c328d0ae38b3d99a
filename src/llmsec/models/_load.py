"""Load a tokenizer or a model (causal LM or classifier, optionally quantized) from any model reference."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from llmsec.config import ModelConfig, QuantizationConfig

from ..checkpoints import as_model_config
from ._builtin import BUILTIN_MODELS, ModelNotFoundError, not_found_message
from ._compat import peft_model_warnings
from ._quant import disable_cpu_4bit_packing, quantized_load_kwargs
from ._resolve import is_adapter_dir, read_adapter_config, resolve_model

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

logger = logging.getLogger(__name__)

Head = Literal["causal-lm", "classifier"]
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.txt")
HEAD_NAMES = ("score", "classifier")


def load_tokenizer(model: ModelConfig | str) -> PreTrainedTokenizerBase:
    """Load the tokenizer of a model reference (see :func:`resolve_model`).

    The pad token is set to the eos (else unk) token when the tokenizer has none.
    An adapter checkpoint's own tokenizer files are used when present, else its
    base's. ``trust_remote_code`` comes from the config and is off by default.
    """
    cfg = as_model_config(model)
    source = Path(cfg.name).expanduser()
    if is_adapter_dir(source):
        if not any((source / f).is_file() for f in _TOKENIZER_FILES):
            base = _adapter_base(source)
            return load_tokenizer(cfg.model_copy(update={"name": base, "gguf_file": None}))
        path = str(source)
    else:
        path = resolve_model(cfg.name, gguf_file=cfg.gguf_file, revision=cfg.revision)

    from transformers import AutoTokenizer

    tokenizer = _from_pretrained(AutoTokenizer, cfg, path)
    if cfg.max_context is not None:
        tokenizer.model_max_length = cfg.max_context
    if tokenizer.pad_token is None:
        fallback = tokenizer.eos_token or tokenizer.unk_token
        if fallback is None:
            logger.warning("tokenizer of %s has no pad, eos or unk token: padding will fail", cfg.name)
        else:
            tokenizer.pad_token = fallback
            logger.debug("tokenizer of %s: pad token set to %r", cfg.name, fallback)
    return tokenizer


def load_model(
    model: ModelConfig | str,
    *,
    head: Head = "causal-lm",
    labels: Sequence[str] | None = None,
    quantization: QuantizationConfig | None = None,
) -> PreTrainedModel:
    """Load a model reference as a causal LM or a sequence classifier.

    Args:
        model: A :class:`~llmsec.config.ModelConfig` or a name/path (see
            :func:`resolve_model`): built-in, local directory, GGUF, peft
            adapter checkpoint (causal adapters are merged once into their base)
            or a cached Hugging Face id.
        head: ``"causal-lm"`` or ``"classifier"`` (``AutoModelForSequenceClassification``,
            on a decoder such as Llama (``score``) or an encoder such as BERT
            (``classifier``); the head is new unless the checkpoint has one).
        labels: The class names of a classifier, in label-id order.
        quantization: Load the weights with bitsandbytes 4-bit or 8-bit.

    Returns:
        The model in eval mode; a classifier adapter checkpoint comes back as a
        peft model (base classifier + adapter) for inference.

    Raises:
        ModelNotFoundError: The model cannot be found (no hub access here).
        ValueError: A head that does not fit the model or checkpoint, or bad labels.
    """
    cfg = as_model_config(model)
    if head not in ("causal-lm", "classifier"):
        raise ValueError(f"head must be 'causal-lm' or 'classifier', got {head!r}")
    builtin = BUILTIN_MODELS.get(cfg.name)
    if builtin is not None and builtin.arch == "encoder" and head == "causal-lm":
        raise ValueError(f"{cfg.name!r} is an encoder and has no causal-LM head: load it with "
                         "head='classifier' (a transfer stage), or pick a causal-lm model")
    source = Path(cfg.name).expanduser()
    if is_adapter_dir(source):
        task = str(read_adapter_config(source).get("task_type") or "")
        if task == "SEQ_CLS":
            if head != "classifier":
                raise ValueError(f"{source} is a classifier adapter (task_type SEQ_CLS): "
                                 "load it with head='classifier'")
            return _load_classifier_adapter(cfg, source, labels, quantization)

    path = resolve_model(cfg.name, gguf_file=cfg.gguf_file, revision=cfg.revision)
    kwargs: dict[str, Any] = {"dtype": _dtype(cfg.dtype)}
    if quantization is not None:
        skip = HEAD_NAMES if head == "classifier" else None  # the new head trains in full precision
        kwargs.update(quantized_load_kwargs(quantization, skip_modules=skip))
    if head == "classifier":
        from transformers import AutoModelForSequenceClassification

        tokenizer = load_tokenizer(cfg)
        kwargs.update(_label_kwargs(labels))
        kwargs = model_settings(cfg, path, kwargs)
        loaded = _from_pretrained(AutoModelForSequenceClassification, cfg, path, **kwargs)
        loaded.config.pad_token_id = tokenizer.pad_token_id
    else:
        from transformers import AutoModelForCausalLM

        loaded = _from_pretrained(AutoModelForCausalLM, cfg, path, **model_settings(cfg, path, kwargs))
    if quantization is not None and quantization.bits == 4:
        disable_cpu_4bit_packing(loaded)
    loaded.eval()
    return loaded


def _load_classifier_adapter(
    cfg: ModelConfig, adapter_dir: Path, labels: Sequence[str] | None, quantization: QuantizationConfig | None
) -> PreTrainedModel:
    from peft import PeftModel

    if labels is None:
        labels = adapter_labels(adapter_dir)
    base_cfg = cfg.model_copy(update={"name": _adapter_base(adapter_dir), "gguf_file": None})
    base = load_model(base_cfg, head="classifier", labels=labels, quantization=quantization)
    tokenizer = load_tokenizer(cfg)
    base.config.pad_token_id = tokenizer.pad_token_id
    with peft_model_warnings():
        model = PeftModel.from_pretrained(base, str(adapter_dir), is_trainable=False)
    model.eval()
    return model


def adapter_labels(adapter_dir: Path) -> list[str] | None:
    """A classifier adapter's labels: ``id2label`` of its ``config.json``, else counted from its head."""
    config = adapter_dir / "config.json"
    if config.is_file():
        id2label = json.loads(config.read_text()).get("id2label")
        if id2label:
            return [id2label[k] for k in sorted(id2label, key=int)]
    weights = adapter_dir / "adapter_model.safetensors"
    if weights.is_file():
        from safetensors import safe_open

        with safe_open(str(weights), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118  (safe_open is not iterable)
                parts = key.split(".")
                if len(parts) >= 2 and parts[-2] in HEAD_NAMES and parts[-1] == "weight" and "lora" not in key:
                    return [f"LABEL_{i}" for i in range(f.get_slice(key).get_shape()[0])]
    return None


def _adapter_base(adapter_dir: Path) -> str:
    from ._portable import local_base  # the local copy of a portable base (upstream id, parent checkpoint)

    base = read_adapter_config(adapter_dir).get("base_model_name_or_path") and local_base(adapter_dir)
    if not base:
        raise ModelNotFoundError(f"adapter checkpoint {adapter_dir} does not name its base model "
                                 "(base_model_name_or_path is empty in adapter_config.json)")
    return str(base)


def _label_kwargs(labels: Sequence[str] | None) -> dict[str, Any]:
    if labels is None:
        return {}
    labels = [str(label) for label in labels]
    if len(labels) < 2 or len(set(labels)) != len(labels):
        raise ValueError(f"a classifier needs at least two distinct labels, got {labels}")
    return {
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
    }


def model_settings(cfg: ModelConfig, path: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``from_pretrained`` keyword arguments with the recipe's model settings laid over ``kwargs``.

    ``attn_implementation`` and ``device_map`` pass through (a ``device_map`` set
    in the recipe wins over the quantized load's own); ``rope_scaling`` and
    ``max_context`` change the model's config, loaded here and passed as ``config``
    (with the classifier's label keys, which then belong to it).

    Raises:
        ValueError: RoPE scaling on a model without rotary embeddings, or a maximum
            context past the learned position table of one without.
    """
    out = dict(kwargs)
    if cfg.attn_implementation is not None:
        out["attn_implementation"] = cfg.attn_implementation
    if cfg.device_map is not None:
        out["device_map"] = cfg.device_map
    if cfg.rope_scaling is not None or cfg.max_context is not None:
        from transformers import AutoConfig

        config_keys = {k: out.pop(k) for k in ("num_labels", "id2label", "label2id") if k in out}
        config = _from_pretrained(AutoConfig, cfg, path, **config_keys)
        _override_context(config.get_text_config(), cfg)
        out["config"] = config
    return out


def _override_context(config: Any, cfg: ModelConfig) -> None:
    """Lay ``rope_scaling`` over the config's RoPE parameters and set the maximum context."""
    rotary = getattr(config, "rope_parameters", None) is not None
    if cfg.rope_scaling is not None:
        if not rotary:
            raise ValueError(f"model.rope_scaling: {cfg.name!r} ({config.model_type}) has no rotary position "
                             "embeddings to scale; remove rope_scaling")
        scaling = dict(cfg.rope_scaling)
        if "type" in scaling:
            scaling.setdefault("rope_type", scaling.pop("type"))
        config.rope_parameters = {**config.rope_parameters, **scaling}
        config.standardize_rope_params()
        config.validate_rope()
    if cfg.max_context is not None:
        limit = getattr(config, "max_position_embeddings", None)
        if not rotary and limit is not None and cfg.max_context > limit:
            raise ValueError(f"model.max_context: {cfg.name!r} ({config.model_type}) learned {limit} positions and "
                             f"cannot take {cfg.max_context}; set max_context to {limit} or less")
        if rotary:
            config.max_position_embeddings = cfg.max_context


def _dtype(name: str) -> Any:
    if name == "auto":
        return "auto"
    import torch

    return getattr(torch, name)


def _from_pretrained(auto_cls: Any, cfg: ModelConfig, path: str, **kwargs: Any) -> Any:
    """``auto_cls.from_pretrained`` with our safety defaults; offline hub misses become ModelNotFoundError."""
    local = Path(path).exists()
    if not local and cfg.revision is not None:
        kwargs["revision"] = cfg.revision
    try:
        return auto_cls.from_pretrained(path, trust_remote_code=cfg.trust_remote_code, **kwargs)
    except ValueError as exc:
        if cfg.trust_remote_code or "trust_remote_code" not in str(exc):
            raise
        raise ValueError(
            f"model {cfg.name!r} ships its own Python code, which llmsec does not run by default. "
            "Read that code first; if you trust it, set model.trust_remote_code: true in the recipe "
            "or pass --trust-remote-code to `llmsec train`."
        ) from exc
    except OSError as exc:
        if local:
            raise
        raise ModelNotFoundError(not_found_message(
            cfg.name, "It is not a local path and not in the Hugging Face cache, and the hub cannot be reached"
        )) from exc
