"""What ``llmsec models list`` shows."""

from __future__ import annotations

from typing import Any

from llmsec._paths import llmsec_home

from ._builtin import BUILTIN_MODELS
from ._gguf import is_converted


def list_models() -> list[dict[str, Any]]:
    """The built-in models with their state on this machine.

    Returns:
        One dict per model: ``name``, ``arch``, ``package``, ``installed``,
        ``cached`` (a GGUF already converted to safetensors; always true for a
        model shipped as safetensors once installed), ``path`` (the weights in
        the package, or None) and ``description``.
    """
    rows = []
    for model in BUILTIN_MODELS.values():
        path = model.locate()
        if path is None:
            cached = False
        elif model.is_gguf:
            cached = is_converted(llmsec_home() / "models" / model.name, path)
        else:
            cached = True
        rows.append({
            "name": model.name,
            "arch": model.arch,
            "package": model.package,
            "installed": path is not None,
            "cached": cached,
            "path": str(path) if path is not None else None,
            "description": model.description,
        })
    return rows
