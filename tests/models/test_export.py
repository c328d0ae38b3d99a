"""Export: a merged folder and GGUF files (f32/f16/bf16/q8_0) that transformers loads back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from llmsec.cli import app
from llmsec.config import AdapterConfig
from llmsec.models import attach_adapter, export, gguf_logit_diff, load_model, load_tokenizer
from llmsec.models._export import EXPORT_RECORD
from llmsec.models._gguf_write import write_gguf

TEXT = "CVE-2021-44228: <|im_start|>user\nWhat is CWE-79?<|im_end|>\n<|im_start|>assistant\n"


def _tiny_llama(path: Path, hidden: int = 16, seed: int = 0) -> Path:
    """tests/tiny.py's Llama; ``hidden=64`` gives rows that split into Q8_0's 32-value blocks."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from tiny import TINY_TOKENIZER

    tokenizer = AutoTokenizer.from_pretrained(TINY_TOKENIZER)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=256, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(seed)
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _load_gguf(file: Path) -> tuple[torch.nn.Module, object]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(file.parent, gguf_file=file.name, dtype=torch.float32).eval()
    return model, AutoTokenizer.from_pretrained(file.parent, gguf_file=file.name)


def _logits(model: torch.nn.Module, ids: list[int]) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0]


def test_gguf_round_trip_is_exact_in_f32(tiny_llama_dir: Path, tmp_path: Path) -> None:
    """f32 loses nothing: any error in names, query/key permutation or metadata would show."""
    from gguf import GGUFReader

    from llmsec.models._gguf import repair_tokenizer

    model, tokenizer = load_model(str(tiny_llama_dir)), load_tokenizer(str(tiny_llama_dir))
    file = write_gguf(model, tokenizer, tmp_path / "tiny.gguf", outtype="f32", base_model="tiny-org/tiny")
    back, back_tok = _load_gguf(file)
    ids = tokenizer(TEXT).input_ids
    assert back_tok(TEXT).input_ids == ids
    assert back_tok.decode(ids) == tokenizer.decode(ids)
    fields = GGUFReader(str(file)).fields
    for key, token_id in (("bos", tokenizer.bos_token_id), ("eos", tokenizer.eos_token_id),
                          ("padding", tokenizer.pad_token_id)):
        assert int(fields[f"tokenizer.ggml.{key}_token_id"].contents()) == token_id
    repair_tokenizer(back_tok, file)  # transformers 5.17 reads a GGUF's eos/pad wrongly; llmsec's loader repairs it
    assert (back_tok.bos_token, back_tok.eos_token, back_tok.pad_token) == (
        tokenizer.bos_token, tokenizer.eos_token, tokenizer.pad_token)
    assert back_tok.chat_template == tokenizer.chat_template
    assert back.config.tie_word_embeddings is False and back.config.num_key_value_heads == 2
    torch.testing.assert_close(_logits(back, ids), _logits(model, ids), rtol=0, atol=0)


@pytest.mark.parametrize(("outtype", "atol"), [("f16", 5e-3), ("bf16", 5e-2), ("q8_0", 5e-2)])
def test_gguf_types_stay_close(outtype: str, atol: float, tmp_path: Path) -> None:
    from gguf import GGUFReader

    folder = _tiny_llama(tmp_path / "llama64", hidden=64)
    model, tokenizer = load_model(str(folder)), load_tokenizer(str(folder))
    file = write_gguf(model, tokenizer, tmp_path / f"tiny.{outtype}.gguf", outtype=outtype)  # type: ignore[arg-type]
    types = {t.name: t.tensor_type.name for t in GGUFReader(str(file)).tensors}
    assert types["blk.0.attn_q.weight"] == outtype.upper() and types["token_embd.weight"] == outtype.upper()
    assert types["blk.0.attn_norm.weight"] == "F32"
    back, _ = _load_gguf(file)
    ids = tokenizer(TEXT).input_ids
    ref, got = _logits(model, ids), _logits(back, ids)
    diff = float((ref - got).abs().max())
    assert 0 < diff < atol, f"{outtype}: max |logit diff| {diff}"


def _reader_knows_splits() -> bool:
    try:
        from transformers.integrations.gguf.gguf_tokenizer_mapping import GGUF_PRE_TOKENIZER_SPLITS
    except ImportError:
        return False
    return "llama-bpe" in GGUF_PRE_TOKENIZER_SPLITS


def test_gguf_keeps_the_tokenizers_split(tiny_llama_dir: Path, tmp_path: Path) -> None:
    """A Llama 3 style split is written as ``llama-bpe`` and read back the same; an unknown one is refused."""
    from gguf import GGUFReader
    from tokenizers import Regex, pre_tokenizers

    from llmsec.models._gguf_write import _LLAMA3_SPLIT

    model, tokenizer = load_model(str(tiny_llama_dir)), load_tokenizer(str(tiny_llama_dir))
    text = "CVE-2021-44228 score 9.8 port 22 and T1059"
    gpt2_ids = tokenizer(text).input_ids
    tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(_LLAMA3_SPLIT), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    assert tokenizer(text).input_ids != gpt2_ids  # the split matters for this text
    file = write_gguf(model, tokenizer, tmp_path / "l3.gguf", outtype="f32")
    assert GGUFReader(str(file)).fields["tokenizer.ggml.pre"].contents() == "llama-bpe"
    if _reader_knows_splits():  # transformers 5.17's GGUF reader ignores tokenizer.ggml.pre
        assert _load_gguf(file)[1](text).input_ids == tokenizer(text).input_ids

    tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)])
    with pytest.raises(ValueError, match="pre_tokenizer="):
        write_gguf(model, tokenizer, tmp_path / "digits.gguf")
    write_gguf(model, tokenizer, tmp_path / "digits.gguf", pre_tokenizer="smollm")  # the user names it


def test_q8_0_falls_back_to_f16_for_short_rows(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from gguf import GGUFReader

    model, tokenizer = load_model(str(tiny_llama_dir)), load_tokenizer(str(tiny_llama_dir))
    file = write_gguf(model, tokenizer, tmp_path / "tiny.gguf", outtype="q8_0")
    types = {t.name: t.tensor_type.name for t in GGUFReader(str(file)).tensors}
    assert types["blk.0.attn_q.weight"] == "F16"  # rows of hidden 16: no 32-value block
    assert types["blk.0.ffn_down.weight"] == "Q8_0"  # rows of intermediate 32: one block each


def test_gguf_refuses_what_it_cannot_hold(tiny_bert_dir: Path, tiny_llama_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(tiny_bert_dir)
    with pytest.raises(ValueError, match="Llama-family"):
        write_gguf(bert, load_tokenizer(str(tiny_bert_dir)), tmp_path / "bert.gguf")
    with pytest.raises(ValueError, match="must be one of"):
        write_gguf(load_model(str(tiny_llama_dir)), load_tokenizer(str(tiny_llama_dir)), tmp_path / "x.gguf",
                   outtype="q4_k")  # type: ignore[arg-type]
    assert not list(tmp_path.glob("*.gguf*")), "a refused export leaves no file behind"


@pytest.fixture
def adapter_checkpoint(tiny_llama_dir: Path, tmp_path: Path) -> Path:
    """A LoRA adapter with random non-zero deltas (lora_B starts at zero)."""
    adapter = AdapterConfig(method="lora", r=4, alpha=8, dropout=0.0)
    model = attach_adapter(load_model(str(tiny_llama_dir)), adapter, task="causal-lm")
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.5)
    out = tmp_path / "ckpt"
    model.save_pretrained(out)
    load_tokenizer(str(tiny_llama_dir)).save_pretrained(out)
    return out


def test_export_merged_and_gguf_from_an_adapter(adapter_checkpoint: Path, tiny_llama_dir: Path,
                                                tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    ids = load_tokenizer(str(tiny_llama_dir))(TEXT).input_ids
    expected = _logits(load_model(str(adapter_checkpoint)), ids)
    assert not torch.allclose(expected, _logits(load_model(str(tiny_llama_dir)), ids), atol=1e-3)

    merged = export(adapter_checkpoint, "merged")
    assert merged == tmp_path / "ckpt-merged" and not (merged / "adapter_config.json").exists()
    plain = AutoModelForCausalLM.from_pretrained(merged).eval()  # no peft, no llmsec
    torch.testing.assert_close(_logits(plain, ids), expected, rtol=1e-5, atol=1e-5)
    record = json.loads((merged / EXPORT_RECORD).read_text())
    assert record["to"] == "merged" and record["base_model"] == str(tiny_llama_dir)
    with pytest.raises(FileExistsError, match="overwrite"):
        export(adapter_checkpoint, "merged")

    file = export(adapter_checkpoint, "gguf", tmp_path / "out" / "model.gguf", outtype="f32")
    diff = gguf_logit_diff(file, adapter_checkpoint, [TEXT])
    assert diff["max_abs"] == 0.0 and diff["top1_agree"] == 1.0
    assert json.loads(file.with_name(f"model.gguf.{EXPORT_RECORD}").read_text())["outtype"] == "f32"
    again = export(merged, "gguf", tmp_path / "out" / "from-merged.gguf", outtype="f32")  # the merged folder
    assert json.loads(again.with_name(f"{again.name}.{EXPORT_RECORD}").read_text())["base_model"] == str(tiny_llama_dir)
    assert gguf_logit_diff(again, adapter_checkpoint, [TEXT])["max_abs"] == 0.0


def test_cli_export(adapter_checkpoint: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "m.gguf"
    result = runner.invoke(app, ["export", str(adapter_checkpoint), "--to", "gguf", "--type", "f16", "-o", str(out),
                                 "--check"])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "gguf_file='m.gguf'" in result.output and "same top token 100.0%" in result.output
    result = runner.invoke(app, ["export", str(adapter_checkpoint), "--to", "onnx"])
    assert result.exit_code == 2 and "'merged' or 'gguf'" in result.output
    result = runner.invoke(app, ["export", str(adapter_checkpoint), "--check"])
    assert result.exit_code == 2 and "--to gguf" in result.output


def test_python_api_is_the_same_function() -> None:
    import llmsec

    assert llmsec.export is export and "export" in llmsec.__all__


def test_cli_merged_export_writes_the_card(adapter_checkpoint: Path, tiny_llama_dir: Path, tmp_path: Path) -> None:
    from huggingface_hub import ModelCard

    manifest = {"format_version": 1, "stage": {"kind": "instruct", "data": {}}, "base": str(tiny_llama_dir),
                "parent": None, "base_model": str(tiny_llama_dir), "chain": [], "adapter": "lora", "metrics": {},
                "data": {"format": "jsonl", "train": {"source": "chat.jsonl", "fingerprint": "fp-0123"}}}
    (adapter_checkpoint / "llmsec.json").write_text(json.dumps(manifest))
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"task": "sec-mcq", "kind": "multiple-choice", "n": 8, "method": "choice",
                                   "data": {"source": "mcq.jsonl", "format": "jsonl"}, "metrics": {"accuracy": 0.5}}))
    out = tmp_path / "merged"
    result = CliRunner().invoke(app, ["export", str(adapter_checkpoint), "-o", str(out), "--results", str(results)])
    assert result.exit_code == 0, result.output
    card = ModelCard.load(out / "README.md")
    assert card.data.library_name == "transformers" and card.data.base_model == str(tiny_llama_dir)
    assert card.data.eval_results[0].metric_value == 0.5 and "fp-0123" in card.text
    assert "PeftModel" not in card.text and 'AutoModelForCausalLM.from_pretrained("PATH")' in card.text
    bad = CliRunner().invoke(app, ["export", str(adapter_checkpoint), "-o", str(tmp_path / "m2"), "--results",
                                   str(adapter_checkpoint / "llmsec.json")])
    assert bad.exit_code == 2 and "not an `llmsec eval` results.json" in bad.output
