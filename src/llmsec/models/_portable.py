"""Portable checkpoints: an adapter names a base that resolves on another machine.

peft records the base an adapter was trained on as ``base_model_name_or_path``:
the loaded model's ``name_or_path``, which for a built-in model is its converted
copy under ``$LLMSEC_HOME/models/`` and for a chained stage the merged parent
under ``$LLMSEC_HOME/merged/``: paths that exist only where the stage ran. A
saved stage gets instead:

- a built-in model's upstream hub id (``HuggingFaceTB/SmolLM2-135M-Instruct``),
- the user's own hub id or directory, as the recipe spelled it,
- for a stage chained on an earlier checkpoint, that checkpoint's directory,

and its ``llmsec.json`` keeps the local copy (``base_local``) and the whole chain,
each earlier stage's adapter and whether it was merged, so the model can be
rebuilt elsewhere (:func:`chain_of`). llmsec's own loader (:func:`local_base`)
still finds the local copy first.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from ._builtin import BUILTIN_MODELS
from ._resolve import ADAPTER_CONFIG, in_hub_cache, is_adapter_dir, resolve_model

__all__ = ["builtin_for", "chain_of", "local_base", "make_portable", "portable_name", "upstream_id"]

logger = logging.getLogger(__name__)

MANIFEST = "llmsec.json"  # the checkpoint manifest (written by the training layer; read here as plain JSON)
_ADAPTER_METHODS = ("lora", "dora", "qlora")
_MAX_CHAIN = 64


def upstream_id(name: str) -> str | None:
    """The hub id a built-in model's weights come from, or None when ``name`` is no built-in."""
    builtin = BUILTIN_MODELS.get(name)
    return (builtin.upstream or None) if builtin is not None else None


def builtin_for(hub_id: str) -> str | None:
    """The built-in model whose upstream is ``hub_id`` (case-insensitive), or None."""
    for builtin in BUILTIN_MODELS.values():
        if builtin.upstream and builtin.upstream.lower() == hub_id.lower():
            return builtin.name
    return None


def portable_name(base: str) -> str:
    """What a checkpoint trained on ``base`` records as its base: a name that resolves elsewhere.

    A built-in model becomes its upstream hub id; anything else (a hub id, a
    directory, an earlier checkpoint) is kept as the user spelled it.
    """
    return upstream_id(base) or base


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def chain_of(base: str, out: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """The stages a checkpoint trained on ``base`` stands on, oldest first (empty for a plain base).

    Each entry: the stage ``kind``, the checkpoint ``path`` (relative to ``out`` when
    given, so a run folder can move as a whole), its ``adapter`` method, its
    ``base_model`` (portable name) and ``merge``: whether the stage is an adapter that
    is merged into its base before the next stage trains on it.
    """
    chain: list[dict[str, Any]] = []
    current = base
    seen: set[str] = set()
    while len(chain) < _MAX_CHAIN:
        folder = Path(current)
        manifest = _read_json(folder / MANIFEST) if folder.is_dir() else None
        if manifest is None or os.path.realpath(folder) in seen:
            break
        seen.add(os.path.realpath(folder))
        adapter = manifest.get("adapter")
        rel = os.path.relpath(folder.resolve(), Path(out).resolve()) if out is not None else str(folder)
        chain.append({
            "kind": (manifest.get("stage") or {}).get("kind"),
            "path": rel,
            "adapter": adapter,
            "base_model": manifest.get("base_model") or portable_name(str(manifest.get("base") or "")),
            "merge": adapter in _ADAPTER_METHODS and is_adapter_dir(folder),
        })
        current = str(manifest.get("base") or "")
        if not current:
            break
    return chain[::-1]


def make_portable(out: str | os.PathLike[str], base: str) -> dict[str, Any]:
    """Point a saved stage's adapter at a portable base; return what the manifest records.

    Rewrites ``base_model_name_or_path`` in ``out/adapter_config.json`` (when the stage
    saved an adapter) to :func:`portable_name` of ``base``.

    Args:
        out: The stage's checkpoint directory (already saved).
        base: The base the stage trained on, as the recipe named it.

    Returns:
        ``{"base_model", "base_local", "chain"}``: the portable name, the local copy the
        stage really loaded (a converted built-in, a merged parent; None for an uncached
        hub id) and :func:`chain_of` ``base``.
    """
    out = Path(out)
    name = portable_name(base)
    try:
        local = resolve_model(base)
    except (OSError, ValueError) as exc:  # the stage just loaded it; a changed disk should not lose the weights
        logger.warning("cannot find the local copy of base %s to record it: %s", base, exc)
        local = None
    local = local if local is not None and Path(local).exists() else None
    config_file = out / ADAPTER_CONFIG
    config = _read_json(config_file) if config_file.is_file() else None
    if config is not None and config.get("base_model_name_or_path") != name:
        logger.debug("%s: base_model_name_or_path %s -> %s", config_file, config.get("base_model_name_or_path"), name)
        config["base_model_name_or_path"] = name
        tmp = config_file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, config_file)
    return {"base_model": name, "base_local": local, "chain": chain_of(base, out)}


def _available(name: str) -> bool:
    """Whether ``name`` resolves on this machine without the hub (nothing is converted or merged)."""
    if not name:
        return False
    builtin = BUILTIN_MODELS.get(name)
    if builtin is not None:
        return builtin.locate() is not None
    path = Path(name).expanduser()
    if path.exists():
        return True
    return "/" in name and not name.startswith((".", "/", "~")) and in_hub_cache(name)


def local_base(adapter_dir: str | os.PathLike[str]) -> str:
    """The base to load an adapter checkpoint on here: the local copy first, the portable name last.

    Tried in order: the base the stage was trained on as its ``llmsec.json`` records it
    (a built-in name, the parent checkpoint), the parent checkpoint relative to this
    one (a run folder that moved), the recorded local copy, then the adapter's
    ``base_model_name_or_path`` and the built-in model that carries that upstream id.

    Returns:
        The first that is available; else ``base_model_name_or_path`` itself (so the
        error names what the adapter asks for).
    """
    folder = Path(adapter_dir)
    config = _read_json(folder / ADAPTER_CONFIG) or {}
    named = str(config.get("base_model_name_or_path") or "")
    manifest = _read_json(folder / MANIFEST) or {}
    candidates = [str(manifest.get("base") or "")]
    chain = manifest.get("chain") or []
    if chain and isinstance(chain[-1], dict) and chain[-1].get("path"):
        candidates.append(str(folder / chain[-1]["path"]))
    candidates += [str(manifest.get("base_local") or ""), named, builtin_for(named) or ""]
    for candidate in candidates:
        if _available(candidate):
            if candidate != named:
                logger.debug("adapter %s: base %s found locally as %s", folder, named, candidate)
            return candidate
    return named
