"""Optional dependencies: the extra that installs each, and one clear error where one is missing.

``pip install llmsec`` installs what the core path imports (load data, train the
three stages, evaluate); each optional part names its extra here, and the code
that needs it calls :func:`require` where it first imports it, so a missing
package says which extra to install instead of raising a bare ``ImportError``.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Extra:
    """One optional package: its distribution name and the extra that installs it."""

    distribution: str
    extra: str


# module name -> (distribution, extra); the extras are declared in pyproject.toml.
OPTIONAL: dict[str, Extra] = {
    "bitsandbytes": Extra("bitsandbytes", "quant"),
    "liger_kernel": Extra("liger-kernel", "gpu"),
    "captum": Extra("captum", "explain"),
    "gguf": Extra("gguf", "gguf"),
    "tensorboard": Extra("tensorboard", "tracking"),
    "sacrebleu": Extra("sacrebleu", "secure-code"),
}


class MissingExtraError(ImportError):
    """An optional package is not installed; the message names the extra that installs it."""


def install_hint(module: str) -> str:
    """``pip install 'llmsec[EXTRA]'`` (or the package itself) for an optional module."""
    opt = OPTIONAL[module]
    return f"pip install 'llmsec[{opt.extra}]' (or: pip install {opt.distribution})"


def is_available(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module blocked in sys.modules
        return False


def require(module: str, purpose: str) -> ModuleType:
    """Import the optional ``module``, or raise :class:`MissingExtraError` naming its extra.

    Args:
        module: a key of :data:`OPTIONAL` (the top-level module name).
        purpose: what needs it, for the message ("4-bit quantization").

    Raises:
        MissingExtraError: the package is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{purpose} needs the optional package {OPTIONAL[module].distribution!r}, which is not installed: "
            f"{install_hint(module)}"
        ) from exc
