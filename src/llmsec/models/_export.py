"""Export a checkpoint for serving: a merged Hugging Face folder, or one GGUF file."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from ._builtin import BUILTIN_MODELS
from ._gguf import STAMP
from ._gguf_write import GGUF_TYPES, GGUFType, write_gguf
from ._portable import MANIFEST, builtin_for, portable_name
from ._resolve import is_adapter_dir, read_adapter_config, resolve_model

__all__ = ["EXPORT_RECORD", "ExportTarget", "export", "gguf_logit_diff"]

logger = logging.getLogger(__name__)

ExportTarget = Literal["merged", "gguf"]
#: What an export writes beside (or, for GGUF, next to) its output: where it came from.
EXPORT_RECORD = "llmsec-export.json"
PROBE_TEXTS = (
    "CVE-2021-44228 lets a remote attacker run code through JNDI lookups in Apache Log4j2.",
    "<|im_start|>user\nWhich CWE is SQL injection?<|im_end|>\n<|im_start|>assistant\n",
)


def export(
    checkpoint: str | os.PathLike[str],
    to: ExportTarget = "merged",
    out: str | os.PathLike[str] | None = None,
    *,
    outtype: GGUFType = "f16",
    overwrite: bool = False,
    pre_tokenizer: str | None = None,
) -> Path:
    """Export a checkpoint (or any model reference) as a merged folder or a GGUF file.

    ``merged`` writes a plain ``save_pretrained`` folder (safetensors + tokenizer) that
    needs neither peft nor llmsec: an adapter is merged into its base (once, cached in
    ``$LLMSEC_HOME/merged``); a built-in GGUF model is the rebuilt safetensors copy.
    ``gguf`` writes one llama.cpp file with the tokenizer in its metadata, for the
    Llama-family models llmsec trains. Either way ``llmsec-export.json`` records the
    source, its portable base and its chain of stages.

    Args:
        checkpoint: An llmsec checkpoint directory, or any model reference
            (built-in name, Hugging Face directory, adapter directory).
        to: ``"merged"`` or ``"gguf"``.
        out: The folder (merged) or ``.gguf`` file to write. Default: beside the
            checkpoint, ``<name>-merged/`` or ``<name>.<outtype>.gguf``.
        outtype: For GGUF: ``f16``, ``bf16``, ``f32`` or ``q8_0``.
        overwrite: Replace an existing output.
        pre_tokenizer: For GGUF: llama.cpp's pre-tokenizer name (``tokenizer.ggml.pre``),
            for a tokenizer whose split is not recognised (see :func:`write_gguf`).

    Returns:
        The written folder or file.

    Raises:
        FileExistsError: ``out`` exists and ``overwrite`` is False.
        ValueError: An unknown target or type, or a model GGUF cannot hold (a
            classifier, a non-Llama architecture, a non-byte-level tokenizer).
        ModelNotFoundError: The checkpoint or its base cannot be found.
    """
    if to not in ("merged", "gguf"):
        raise ValueError(f"export target must be 'merged' or 'gguf', got {to!r}")
    if to == "gguf" and outtype not in GGUF_TYPES:
        raise ValueError(f"GGUF type must be one of {', '.join(GGUF_TYPES)}, got {outtype!r}")
    source = os.fspath(checkpoint)
    target = Path(out) if out is not None else _default_out(source, to, outtype)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists: pass overwrite=True (--overwrite) or another out path")
    record = _record(source, to, outtype if to == "gguf" else None)
    if to == "merged":
        result = _export_merged(source, target, record)
    else:
        result = _export_gguf(source, target, outtype, record, pre_tokenizer)
    logger.info("exported %s -> %s", source, result)
    return result


def _default_out(source: str, to: str, outtype: str) -> Path:
    path = Path(source)
    folder, name = (path.parent, path.name) if path.exists() else (Path.cwd(), source.replace("/", "--"))
    return folder / (f"{name}-merged" if to == "merged" else f"{name}.{outtype}.gguf")


def _read_json(file: Path) -> dict[str, Any]:
    try:
        value = json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _read_manifest(source: str) -> dict[str, Any]:
    return _read_json(Path(source) / MANIFEST)


def _record(source: str, to: str, outtype: str | None) -> dict[str, Any]:
    """The provenance an export carries: source, portable base, the chain of stages, versions."""
    from llmsec.config import package_versions

    manifest = _read_manifest(source)
    chain = list(manifest.get("chain") or [])
    if not manifest:  # a merged export carries its checkpoint's chain
        chain = list(_read_json(Path(source) / EXPORT_RECORD).get("chain") or [])
    if manifest:
        chain.append({"kind": (manifest.get("stage") or {}).get("kind"), "path": str(Path(source).resolve()),
                      "adapter": manifest.get("adapter"), "base_model": manifest.get("base_model")})
    return {
        "format_version": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": str(Path(source).resolve()) if Path(source).exists() else source,
        "to": to,
        "outtype": outtype,
        "base_model": root_base(source),
        "chain": chain,
        "versions": package_versions(),
    }


def root_base(source: str) -> str:
    """The portable name of the model a checkpoint's lineage started from (the upstream id of a built-in)."""
    manifest = _read_manifest(source)
    exported = _read_json(Path(source) / EXPORT_RECORD)  # a merged export names its checkpoint's base
    if not manifest and exported.get("base_model"):
        return str(exported["base_model"])
    chain = manifest.get("chain") or []
    if chain and isinstance(chain[0], dict) and chain[0].get("base_model"):
        return str(chain[0]["base_model"])
    if manifest.get("base_model"):
        return str(manifest["base_model"])
    if manifest.get("base"):
        return portable_name(str(manifest["base"]))
    if is_adapter_dir(source):
        return str(read_adapter_config(source).get("base_model_name_or_path") or source)
    return portable_name(source)


def _export_merged(source: str, target: Path, record: dict[str, Any]) -> Path:
    local = Path(resolve_model(source))
    if not local.is_dir():
        raise ValueError(f"{source} resolves to the hub id {local}, not a local folder: "
                         "download it first, or export the local directory")
    tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copytree(local, tmp, ignore=shutil.ignore_patterns(STAMP, MANIFEST, "adapter_*", "_trainer"))
        (tmp / EXPORT_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _pre_tokenizer(base_model: str) -> str | None:
    """llama.cpp's pre-tokenizer name, from the built-in GGUF the lineage started from."""
    name = builtin_for(base_model)
    builtin = BUILTIN_MODELS.get(name) if name else None
    path = builtin.locate() if builtin is not None and builtin.is_gguf else None
    if path is None:
        return None
    from gguf import GGUFReader

    field = GGUFReader(str(path)).fields.get("tokenizer.ggml.pre")
    return str(field.contents()) if field is not None else None


def _export_gguf(source: str, target: Path, outtype: GGUFType, record: dict[str, Any],
                 pre_tokenizer: str | None = None) -> Path:
    from llmsec.config import ModelConfig

    from ._load import load_model, load_tokenizer

    if is_adapter_dir(source) and read_adapter_config(source).get("task_type") == "SEQ_CLS":
        raise ValueError(f"{source} is a classifier (task_type SEQ_CLS): GGUF holds causal language models; "
                         "export it --to merged")
    model = load_model(ModelConfig(name=source, dtype="float32"), head="causal-lm")
    tokenizer = load_tokenizer(source)
    base = record["base_model"]
    path = write_gguf(model, tokenizer, target, outtype=outtype, name=Path(source).name or source,
                      base_model=base, pre_tokenizer=pre_tokenizer or _pre_tokenizer(base))
    path.with_name(f"{path.name}.{EXPORT_RECORD}").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path


def gguf_logit_diff(
    gguf_file: str | os.PathLike[str], reference: str | os.PathLike[str], texts: Sequence[str] = PROBE_TEXTS
) -> dict[str, float]:
    """How far a GGUF file's logits are from the model it was exported from.

    Both are loaded with transformers (the GGUF de-quantized), the texts tokenized
    with the reference's tokenizer, and the float32 logits compared.

    Args:
        gguf_file: The exported file.
        reference: What it was exported from (a checkpoint, merged folder, or model name).
        texts: The probe texts.

    Returns:
        ``max_abs`` (largest absolute logit difference), ``max_rel`` (that divided by
        the reference's largest absolute logit), ``mean_abs`` and ``top1_agree`` (the
        fraction of positions whose arg-max token is the same).
    """
    import torch
    from transformers import AutoModelForCausalLM

    from llmsec.config import ModelConfig

    from ._load import load_model, load_tokenizer

    file = Path(gguf_file)
    exported = AutoModelForCausalLM.from_pretrained(str(file.parent), gguf_file=file.name, dtype=torch.float32).eval()
    ref = load_model(ModelConfig(name=os.fspath(reference), dtype="float32"), head="causal-lm")
    tokenizer = load_tokenizer(os.fspath(reference))
    max_abs = mean_sum = scale = 0.0
    agree = count = 0
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([tokenizer(text).input_ids])
            a, b = ref(input_ids=ids).logits[0], exported(input_ids=ids).logits[0]
            diff = (a - b).abs()
            max_abs = max(max_abs, float(diff.max()))
            mean_sum += float(diff.mean()) * a.shape[0]
            scale = max(scale, float(a.abs().max()))
            agree += int((a.argmax(-1) == b.argmax(-1)).sum())
            count += a.shape[0]
    return {"max_abs": max_abs, "max_rel": max_abs / scale if scale else 0.0, "mean_abs": mean_sum / max(count, 1),
            "top1_agree": agree / max(count, 1), "positions": float(count)}
