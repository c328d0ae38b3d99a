"""llmsec: adapt language models to cyber security.

``import llmsec`` is cheap: heavy modules (torch, transformers, trl, peft,
bitsandbytes) load on first use of a name that needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    # config
    "Recipe": "llmsec.config",
    "load_recipe": "llmsec.config",
    "RecipeError": "llmsec.config",
    # data
    "Document": "llmsec.data",
    "Example": "llmsec.data",
    "Conversation": "llmsec.data",
    "MultipleChoice": "llmsec.data",
    "load_records": "llmsec.data",
    "get_task": "llmsec.data",
    "prepare": "llmsec.data",
    "audit": "llmsec.data",
    # models
    "list_models": "llmsec.models",
    "load_model": "llmsec.models",
    "load_tokenizer": "llmsec.models",
    "merge_adapter": "llmsec.models",
    "export": "llmsec.models",
    # train (the stages' trainer classes come from their declarations, llmsec.config.STAGES)
    "Checkpoint": "llmsec.checkpoints",
    "Pipeline": "llmsec.train",
    "train": "llmsec.train",
    "grid_search": "llmsec.train",
    # eval
    "evaluate": "llmsec.eval",
    "EvalConfig": "llmsec.eval",
    # explain (the function; ``llmsec.explain`` itself is the subpackage)
    "explain_text": "llmsec.explain",
    # demo
    "run_demo": "llmsec.demo",
}



def _trainers() -> dict[str, str]:
    """Trainer class name -> its module, for every built-in stage kind (imports the light config layer)."""
    from .config import stage_specs

    return {spec.trainer_name: spec.trainer_module for spec in stage_specs()
            if spec.trainer_module.startswith("llmsec.")}


def __getattr__(name: str) -> Any:
    if name == "__all__":  # computed on first use, so that ``import llmsec`` stays cheap
        value: Any = ["__version__", *sorted({*_LAZY, *_trainers()})]
    else:
        module = _LAZY.get(name) or _trainers().get(name)
        if module is None:
            raise AttributeError(f"module 'llmsec' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __getattr__("__all__")
