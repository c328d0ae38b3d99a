"""Write a Llama-family causal LM and its tokenizer as one GGUF file (llama.cpp, Ollama, transformers).

Follows llama.cpp's ``convert_hf_to_gguf.py`` for the ``llama`` architecture:
tensor names from the ``gguf`` package's name map, the query and key
projections permuted to llama.cpp's rotary layout (transformers permutes them
back when it reads the file), 1-D tensors (norms) kept in float32, and the
byte-level BPE tokenizer stored as ``tokenizer.ggml.*`` metadata (tokens, token
types, merges, special token ids, chat template), so
``from_pretrained(folder, gguf_file=...)`` rebuilds model and tokenizer alike.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

logger = logging.getLogger(__name__)

__all__ = ["GGUF_TYPES", "write_gguf"]

GGUFType = Literal["f32", "f16", "bf16", "q8_0"]
#: The tensor types an export can write: three float types and one 8-bit block quantization.
GGUF_TYPES: tuple[str, ...] = ("f32", "f16", "bf16", "q8_0")
# model_type -> GGUF architecture; Mistral is a Llama to llama.cpp.
_ARCHITECTURES = {"llama": "llama", "mistral": "llama"}
# The text splits before byte-level BPE that llama.cpp (``tokenizer.ggml.pre``) and transformers'
# GGUF reader both know, by the regex in tokenizer.json: Llama 3's; GPT-2's is ByteLevel's own.
_LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                 r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_KNOWN_SPLITS = {_LLAMA3_SPLIT: "llama-bpe"}


def write_gguf(
    model: Any,
    tokenizer: Any,
    path: str | os.PathLike[str],
    *,
    outtype: GGUFType = "f16",
    name: str | None = None,
    base_model: str | None = None,
    pre_tokenizer: str | None = None,
) -> Path:
    """Write ``model`` (a Llama-family ``*ForCausalLM``) and ``tokenizer`` to a GGUF file.

    Args:
        model: The (merged, unquantized) causal LM.
        tokenizer: Its fast tokenizer (byte-level BPE, as SmolLM2, Llama 3 and GPT-2 use).
        path: The ``.gguf`` file to write (its folder is created).
        outtype: ``f16``, ``bf16``, ``f32`` or ``q8_0`` for the 2-D weights. A weight
            whose rows do not split into Q8_0's 32-value blocks is written in f16.
        name: ``general.name`` (default: the file's stem).
        base_model: The upstream hub id, recorded as ``general.base_model.0.*``.
        pre_tokenizer: llama.cpp's pre-tokenizer name (``tokenizer.ggml.pre``); default: read
            from the tokenizer's split (GPT-2's byte-level split: ``gpt-2``; Llama 3's: ``llama-bpe``).

    Returns:
        The written file.

    Raises:
        ValueError: An architecture other than Llama/Mistral, RoPE scaling other than
            linear, a tokenizer that is not byte-level BPE or splits text in a way no known
            ``pre_tokenizer`` names (and none is given), or an unknown ``outtype``.
    """
    from llmsec._optional import require

    gguf = require("gguf", "GGUF export")
    if outtype not in GGUF_TYPES:
        raise ValueError(f"GGUF type must be one of {', '.join(GGUF_TYPES)}, got {outtype!r}")
    config = model.config
    arch = _ARCHITECTURES.get(getattr(config, "model_type", ""))
    if arch is None:
        raise ValueError(f"GGUF export supports the Llama-family architectures {sorted(_ARCHITECTURES)}, "
                         f"not {getattr(config, 'model_type', None)!r}: export --to merged instead")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    writer = gguf.GGUFWriter(str(tmp), arch)
    try:
        _add_metadata(writer, config, outtype, name or out.stem, base_model)
        vocab_rows = model.get_input_embeddings().weight.shape[0]
        _add_tokenizer(writer, tokenizer, vocab_rows, pre_tokenizer)
        _add_tensors(writer, model, arch, outtype)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
    finally:
        writer.close()
    try:
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("wrote %s (%s, %.1f MB)", out, outtype, out.stat().st_size / 1e6)
    return out


def _rope_theta(config: Any) -> float:
    params = getattr(config, "rope_parameters", None) or {}
    theta = params.get("rope_theta") if isinstance(params, Mapping) else None
    return float(theta if theta is not None else getattr(config, "rope_theta", 10000.0))


def _rope_scaling(config: Any) -> tuple[str, float | None]:
    params = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    if not isinstance(params, Mapping):
        return "default", None
    return str(params.get("rope_type") or params.get("type") or "default"), params.get("factor")


def _add_metadata(writer: Any, config: Any, outtype: str, name: str, base_model: str | None) -> None:
    import gguf

    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(name)
    if base_model:
        writer.add_base_model_count(1)
        writer.add_base_model_name(0, base_model.rsplit("/", 1)[-1])
        if "/" in base_model and not Path(base_model).exists():
            writer.add_base_model_organization(0, base_model.split("/", 1)[0])
            writer.add_base_model_repo_url(0, f"https://huggingface.co/{base_model}")
    writer.add_vocab_size(config.vocab_size)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(heads)
    writer.add_head_count_kv(getattr(config, "num_key_value_heads", None) or heads)
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_rope_freq_base(_rope_theta(config))
    writer.add_rope_dimension_count(head_dim)
    if head_dim != config.hidden_size // heads:
        writer.add_key_length(head_dim)
        writer.add_value_length(head_dim)
    kind, factor = _rope_scaling(config)
    if kind == "linear" and factor:
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(float(factor))
    elif kind != "default":
        raise ValueError(f"GGUF export writes RoPE scaling 'linear' or none; this model uses {kind!r}")
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "bf16": gguf.LlamaFileType.MOSTLY_BF16, "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[outtype]
    writer.add_file_type(file_type)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)


def split_name(spec: dict[str, Any]) -> str | None:
    """llama.cpp's name for how a tokenizer.json splits text before BPE, or None when none is known."""
    pre = spec.get("pre_tokenizer") or {}
    steps = (pre.get("pretokenizers") or []) if pre.get("type") == "Sequence" else [pre]
    kinds = [step.get("type") for step in steps]
    if kinds == ["ByteLevel"] and steps[0].get("use_regex", True):
        return "gpt-2"
    if kinds == ["Split", "ByteLevel"] and not steps[1].get("use_regex", True):
        return _KNOWN_SPLITS.get((steps[0].get("pattern") or {}).get("Regex"))
    return None


def _add_tokenizer(writer: Any, tokenizer: Any, vocab_rows: int, pre: str | None) -> None:
    """The tokenizer as ``tokenizer.ggml.*`` metadata: byte-level BPE (llama.cpp's ``gpt2`` model)."""
    import gguf

    backend = getattr(tokenizer, "backend_tokenizer", None)
    spec = json.loads(backend.to_str()) if backend is not None else {}
    model = spec.get("model") or {}
    pre_tok = json.dumps(spec.get("pre_tokenizer") or {})
    if model.get("type") != "BPE" or "ByteLevel" not in pre_tok:
        raise ValueError("GGUF export writes byte-level BPE tokenizers (SmolLM2, Llama 3, GPT-2 style); "
                         f"this one is {model.get('type') or type(tokenizer).__name__}: export --to merged instead")
    pre = pre or split_name(spec)
    if pre is None:
        raise ValueError("GGUF export: this tokenizer splits text before BPE in a way no llama.cpp pre-tokenizer "
                         f"name is known to match ({json.dumps(spec.get('pre_tokenizer'))[:200]}); pass "
                         "pre_tokenizer= (tokenizer.ggml.pre) if you know it, or export --to merged")
    if len(tokenizer) > vocab_rows:
        raise ValueError(f"the tokenizer has {len(tokenizer)} tokens but the model only {vocab_rows} embedding rows")
    special = set(tokenizer.all_special_ids)
    added = {tid: tok for tid, tok in tokenizer.added_tokens_decoder.items()}
    tokens: list[str] = []
    types: list[int] = []
    for tid in range(vocab_rows):
        if tid >= len(tokenizer):
            tokens.append(f"[PAD{tid}]")
            types.append(gguf.TokenType.UNUSED)
            continue
        tokens.append(tokenizer.convert_ids_to_tokens(tid))
        if tid in special or (tid in added and added[tid].special):
            types.append(gguf.TokenType.CONTROL)
        elif tid in added:
            types.append(gguf.TokenType.USER_DEFINED)
        else:
            types.append(gguf.TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges") or []]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    for token_id, add in (
        (tokenizer.bos_token_id, writer.add_bos_token_id), (tokenizer.eos_token_id, writer.add_eos_token_id),
        (tokenizer.unk_token_id, writer.add_unk_token_id), (tokenizer.pad_token_id, writer.add_pad_token_id),
    ):
        if token_id is not None:
            add(int(token_id))
    probe = tokenizer("a").input_ids
    writer.add_add_bos_token(bool(probe) and tokenizer.bos_token_id is not None and probe[0] == tokenizer.bos_token_id)
    writer.add_add_eos_token(bool(probe) and tokenizer.eos_token_id is not None and probe[-1] == tokenizer.eos_token_id)
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, str) and template:
        writer.add_chat_template(template)


def _permute(weights: Any, n_head: int) -> Any:
    """HF's rotate-half query/key rows to llama.cpp's interleaved pairs (``convert_hf_to_gguf.py``)."""
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def _add_tensors(writer: Any, model: Any, arch: str, outtype: str) -> None:
    import gguf
    import torch

    config = model.config
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA if arch == "llama" else arch, config.num_hidden_layers)
    tied = bool(getattr(config, "tie_word_embeddings", False))
    wanted = {"f32": gguf.GGMLQuantizationType.F32, "f16": gguf.GGMLQuantizationType.F16,
              "bf16": gguf.GGMLQuantizationType.BF16, "q8_0": gguf.GGMLQuantizationType.Q8_0}[outtype]
    fallback = 0
    for hf_name, tensor in model.state_dict().items():
        if tied and hf_name == "lm_head.weight":
            continue
        if "rotary_emb" in hf_name:
            continue
        gguf_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise ValueError(f"GGUF export: no llama.cpp name for tensor {hf_name!r}")
        data = tensor.detach().to(torch.float32).cpu()
        if hf_name.endswith(("q_proj.weight", "q_proj.bias")):
            data = _permute(data, heads)
        elif hf_name.endswith(("k_proj.weight", "k_proj.bias")):
            data = _permute(data, kv_heads)
        array = data.numpy()
        qtype = wanted if array.ndim > 1 else gguf.GGMLQuantizationType.F32
        if qtype == gguf.GGMLQuantizationType.Q8_0 and array.shape[-1] % gguf.GGML_QUANT_SIZES[qtype][0]:
            qtype = gguf.GGMLQuantizationType.F16
            fallback += 1
        # a block-quantized tensor comes back as bytes; the writer turns their shape into the tensor's
        writer.add_tensor(gguf_name, gguf.quants.quantize(array, qtype), raw_dtype=qtype)
    if fallback:
        logger.warning("%d tensor(s) have rows that do not split into Q8_0 blocks of 32 and were written in f16",
                       fallback)
