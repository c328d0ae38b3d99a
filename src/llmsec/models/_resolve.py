"""Turn a model name (built-in, path, GGUF, adapter checkpoint or hub id) into a loadable directory."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from llmsec._paths import llmsec_home

from ._builtin import BUILTIN_MODELS, ModelNotFoundError, not_found_message
from ._gguf import convert_gguf, source_stamp

logger = logging.getLogger(__name__)

ADAPTER_CONFIG = "adapter_config.json"
# owner/name or name: what a Hugging Face hub id looks like.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")


def is_adapter_dir(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a peft adapter checkpoint (a folder with ``adapter_config.json``)."""
    return (Path(path) / ADAPTER_CONFIG).is_file()


def read_adapter_config(path: str | os.PathLike[str]) -> dict[str, object]:
    """The adapter checkpoint's ``adapter_config.json`` as a dict."""
    file = Path(path) / ADAPTER_CONFIG
    try:
        return json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(f"cannot read the adapter config {file}: {exc}") from exc


def resolve_model(
    name: str | os.PathLike[str], *, gguf_file: str | None = None, revision: str | None = None
) -> str:
    """Resolve a model reference to something ``from_pretrained`` can load offline.

    Args:
        name: A built-in name (``llmsec models list``), a ``.gguf`` file, a local
            Hugging Face directory, a peft adapter checkpoint directory, or a
            Hugging Face hub id.
        gguf_file: The GGUF file name inside the directory ``name``.
        revision: The hub revision, for the offline cache check of a hub id.

    Returns:
        A local directory with config, safetensors weights and tokenizer; for a
        hub id that is not a local path, the id unchanged (offline, only when
        it is in the Hugging Face cache). A GGUF is converted
        once into ``llmsec_home()/models/``; an adapter checkpoint is merged into
        its base once, into ``llmsec_home()/merged/``.

    Raises:
        ModelNotFoundError: ``name`` is none of the above, a hub id that is
            not cached while the hub is offline, or a built-in model whose
            package is not installed.
    """
    text = os.fspath(name)
    builtin = BUILTIN_MODELS.get(text)
    if builtin is not None:
        path = builtin.require()
        if builtin.is_gguf:
            return str(convert_gguf(path, llmsec_home() / "models" / builtin.name))
        return str(path)

    path = Path(text).expanduser()
    if gguf_file is not None:
        path = path / gguf_file
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise ModelNotFoundError(not_found_message(text, f"{path} is a file but not a .gguf file"))
        return str(convert_gguf(path, llmsec_home() / "models" / _gguf_key(path)))
    if path.is_dir():
        return _resolve_dir(path, text)
    if gguf_file is not None:
        raise ModelNotFoundError(not_found_message(text, f"the GGUF file {path} does not exist"))
    if _looks_like_hub_id(text):
        if hub_offline() and not in_hub_cache(text, revision):
            raise ModelNotFoundError(not_found_message(
                text, "It is not a local path, and as a Hugging Face id it is not in the local cache "
                "while the hub is offline"))
        return text
    raise ModelNotFoundError(not_found_message(text, f"no such file or directory: {path}"))


def _resolve_dir(path: Path, text: str) -> str:
    if is_adapter_dir(path):
        return str(merged_dir(path))
    if (path / "config.json").is_file():
        return str(path)
    ggufs = sorted(path.glob("*.gguf"))
    if len(ggufs) == 1:
        return str(convert_gguf(ggufs[0], llmsec_home() / "models" / _gguf_key(ggufs[0])))
    if ggufs:
        names = ", ".join(g.name for g in ggufs)
        raise ModelNotFoundError(not_found_message(text, f"{path} holds several GGUF files ({names}): "
                                                         "name one with gguf_file"))
    raise ModelNotFoundError(not_found_message(text, f"the directory {path} has no config.json, "
                                                     "adapter_config.json or .gguf file"))


def _looks_like_hub_id(text: str) -> bool:
    return bool(_HUB_ID.match(text)) and not text.lower().endswith(".gguf") and text.count("/") <= 1


def hub_offline() -> bool:
    """Whether the Hugging Face hub is off (``HF_HUB_OFFLINE``)."""
    value = os.environ.get("HF_HUB_OFFLINE", "")
    if value.upper() in {"1", "ON", "YES", "TRUE"}:
        return True
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def in_hub_cache(repo_id: str, revision: str | None = None) -> bool:
    """Whether a hub model (its config or tokenizer) is in the local Hugging Face cache."""
    from huggingface_hub import try_to_load_from_cache

    for filename in ("config.json", "tokenizer_config.json"):
        try:
            found = try_to_load_from_cache(repo_id, filename, revision=revision)
        except ValueError:  # an id the hub would reject
            return False
        if isinstance(found, str):
            return True
    return False


def _gguf_key(gguf: Path) -> str:
    """Cache folder name of a GGUF file: its stem plus a hash of its path, size and mtime."""
    digest = hashlib.sha256(json.dumps(source_stamp(gguf), sort_keys=True).encode()).hexdigest()
    return f"{gguf.stem}-{digest[:12]}"


def _adapter_key(adapter_dir: Path) -> str:
    """Cache folder name of a merged adapter: its path and its files' sizes and mtimes."""
    parts: list[object] = [str(adapter_dir.resolve())]
    for file in sorted(adapter_dir.iterdir()):
        if file.is_file() and (file.name.startswith("adapter_") or file.suffix == ".safetensors"):
            st = file.stat()
            parts.append([file.name, st.st_size, st.st_mtime_ns])
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    return f"{adapter_dir.resolve().name}-{digest[:12]}"


# Adapters being merged right now (real paths, in order): an adapter whose base chain
# (``base_model_name_or_path``, itself an adapter, ...) leads back to one of them is a cycle.
_MERGING: list[str] = []


def merged_dir(adapter_dir: Path) -> Path:
    """Merge an adapter checkpoint into its base once, into ``llmsec_home()/merged/<key>/``.

    Raises:
        ModelNotFoundError: the adapter's chain of bases leads back to itself (an
            ``adapter_config.json`` naming its own directory, or A -> B -> A).
    """
    from ._merge import merge_adapter

    out = llmsec_home() / "merged" / _adapter_key(adapter_dir)
    if (out / "config.json").is_file():
        logger.debug("reusing merged model %s for adapter %s", out, adapter_dir)
        return out
    key = os.path.realpath(adapter_dir)
    if key in _MERGING:
        chain = " -> ".join([*_MERGING[_MERGING.index(key):], key])
        raise ModelNotFoundError(
            f"adapter {adapter_dir} is its own base through base_model_name_or_path ({chain}); "
            f"set base_model_name_or_path in {Path(adapter_dir) / ADAPTER_CONFIG} to the model it was trained on"
        )
    _MERGING.append(key)
    try:
        return _merge_once(adapter_dir, out, merge_adapter)
    finally:
        _MERGING.remove(key)


def _merge_once(adapter_dir: Path, out: Path, merge_adapter: Callable[[Path, Path], Path]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    logger.info("merging adapter %s into its base (once) -> %s", adapter_dir, out)
    try:
        merge_adapter(adapter_dir, tmp)
        try:
            tmp.rename(out)
        except OSError:
            if not (out / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
