"""Base models: built-in offline models, loading (causal LM / classifier, quantized), adapters, merging.

Example:
    >>> from llmsec.models import load_model, load_tokenizer
    >>> tokenizer = load_tokenizer("smollm2-135m-instruct")  # doctest: +SKIP
    >>> model = load_model("minilm-l6", head="classifier", labels=["benign", "vulnerable"])  # doctest: +SKIP
"""

from __future__ import annotations

from ._adapters import attach_adapter, trainable_parameters
from ._builtin import BUILTIN_MODELS, BuiltinModel, ModelNotFoundError
from ._export import export, gguf_logit_diff
from ._list import list_models
from ._load import load_model, load_tokenizer
from ._merge import merge_adapter
from ._quant import bnb_config
from ._resolve import is_adapter_dir, resolve_model
from ._vocab import (
    VocabExtension,
    add_tokens_to,
    extend_model_dir,
    extend_tokenizer,
    extend_vocabulary,
    resize_embeddings,
    stage_vocabulary,
    trainable_token_indices,
)
from ._vocab_select import VocabularyError

__all__ = [
    "BUILTIN_MODELS",
    "BuiltinModel",
    "ModelNotFoundError",
    "VocabExtension",
    "VocabularyError",
    "add_tokens_to",
    "attach_adapter",
    "bnb_config",
    "export",
    "extend_model_dir",
    "extend_tokenizer",
    "extend_vocabulary",
    "gguf_logit_diff",
    "is_adapter_dir",
    "list_models",
    "load_model",
    "load_tokenizer",
    "merge_adapter",
    "resize_embeddings",
    "resolve_model",
    "stage_vocabulary",
    "trainable_parameters",
    "trainable_token_indices",
]
