"""Domain vocabulary: token choice, tokenizer extension, embedding resize, LoRA, the recipe option, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

from llmsec.config import AdapterConfig, DataConfig, PretrainStage, VocabConfig
from llmsec.models import (
    VocabularyError,
    add_tokens_to,
    attach_adapter,
    extend_model_dir,
    extend_tokenizer,
    extend_vocabulary,
    resize_embeddings,
)
from llmsec.models._vocab import base_pieces, count_tokens
from tiny import CORPUS

# Security text the tiny tokenizer (trained on tiny.CORPUS) has not seen much of.
DOMAIN = [
    "CVE-2021-44228 lets attackers run code via JNDI; see also CVE-2021-45046 and CVE-2021-4104.",
    "The loader calls VirtualAllocEx and WriteProcessMemory, then CreateRemoteThread at 0xdeadbeef.",
    "ATT&CK T1059.001 PowerShell and T1055.012 Process Hollowing; CWE-787 and CWE-416 in the driver.",
    "It reads /etc/passwd and C:\\Windows\\System32\\config\\SAM before calling VirtualAllocEx again.",
] * 6
PROBE = "Exploit for CVE-2021-44228 uses VirtualAllocEx at 0xdeadbeef (T1059.001, CWE-787) on /etc/passwd."


def _tok(path: Path):
    return AutoTokenizer.from_pretrained(path)


def _corpus_file(tmp_path: Path, texts: list[str]) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    return path


# --- choosing tokens -----------------------------------------------------------------------------


def test_chosen_tokens_are_the_domain_strings_and_shorten_the_corpus(tiny_llama_dir: Path) -> None:
    tok = _tok(tiny_llama_dir)
    before = count_tokens(tok, DOMAIN)
    tokens = extend_vocabulary(tok, DOMAIN, 8)
    assert len(tokens) == 8 and len(set(tokens)) == 8
    assert len(tok) == 512  # choosing does not change the tokenizer
    joined = " ".join(tokens)
    assert "VirtualAllocEx" in joined and "CVE-2021-4" in joined
    add_tokens_to(tok, tokens)
    after = count_tokens(tok, DOMAIN)
    assert after < 0.75 * before


def test_choice_is_by_saving_and_de_overlapped(tiny_llama_dir: Path) -> None:
    tok = _tok(tiny_llama_dir)
    texts = ["see CVE-2021-44228 now"] * 30
    tokens = extend_vocabulary(tok, texts, 1)
    # The whole id saves the most; its prefixes are candidates too but save less.
    assert tokens == [" CVE-2021-44228"]
    with pytest.raises(VocabularyError, match=r"supports only \d+ new tokens, 50 were asked"):
        extend_vocabulary(tok, texts, 50)  # after the id, its sub-strings save nothing: not chosen


def test_greedy_saves_more_than_the_most_frequent_words(tiny_llama_dir: Path) -> None:
    from collections import Counter

    tok = _tok(tiny_llama_dir)
    n = 6
    greedy = _tok(tiny_llama_dir)
    add_tokens_to(greedy, extend_vocabulary(tok, DOMAIN, n))
    frequent = _tok(tiny_llama_dir)
    words = Counter(w for t in DOMAIN for w in t.split())
    top = [" " + w for w, _ in words.most_common() if len(tok.tokenize(" " + w)) > 1][:n]
    add_tokens_to(frequent, top)
    assert count_tokens(greedy, DOMAIN) < count_tokens(frequent, DOMAIN)


def test_wordpiece_choice_for_bert(tiny_bert_dir: Path) -> None:
    tok = _tok(tiny_bert_dir)
    before = count_tokens(tok, DOMAIN)
    tokens = extend_vocabulary(tok, DOMAIN, 6)
    assert all(t == t.lower() and " " not in t for t in tokens)  # normalized (uncased), whole words
    add_tokens_to(tok, tokens)
    assert count_tokens(tok, DOMAIN) < before
    assert "virtualallocex" in tok.tokenize("He called VirtualAllocEx.")


# --- adding tokens -------------------------------------------------------------------------------


def test_leading_space_tokens_match_and_round_trip(tiny_llama_dir: Path) -> None:
    tok = _tok(tiny_llama_dir)
    added = add_tokens_to(tok, [" CVE-2021", "VirtualAllocEx", " 0xdeadbeef"])
    assert added == [" CVE-2021", "VirtualAllocEx", " 0xdeadbeef"]
    ids = tok(PROBE, add_special_tokens=False)["input_ids"]
    pieces = tok.convert_ids_to_tokens(ids)
    assert " CVE-2021" in pieces and "VirtualAllocEx" in pieces and " 0xdeadbeef" in pieces
    assert tok.decode(ids) == PROBE
    for text in [*CORPUS.splitlines(), *DOMAIN, "CVE-2021 at line start", "x  CVE-2021 double space"]:
        assert tok.decode(tok(text, add_special_tokens=False)["input_ids"]) == text
    assert tok.is_fast


def test_extending_twice_never_duplicates(tiny_llama_dir: Path) -> None:
    tok = _tok(tiny_llama_dir)
    first = add_tokens_to(tok, [" CVE-2021", "VirtualAllocEx"])
    size = len(tok)
    in_base = next(t for t in tok.get_vocab() if t.isascii() and t.isalpha() and len(t) > 3)
    second = add_tokens_to(tok, ["VirtualAllocEx", " T1059.001", " T1059.001", " CVE-2021", in_base])
    assert first == [" CVE-2021", "VirtualAllocEx"]
    assert second == [" T1059.001"]
    assert len(tok) == size + len(second)
    contents = [t for t in tok.get_vocab()]
    assert len(contents) == len(set(contents))
    # Choosing again on the same corpus offers nothing already there.
    ext1 = extend_tokenizer(tok, DOMAIN, 3)
    ext2 = extend_tokenizer(tok, DOMAIN, 3)
    assert not set(ext1.tokens) & set(ext2.tokens)
    assert len(tok.get_vocab()) == len(tok) == size + len(second) + 6


def test_special_tokens_and_chat_template_untouched(tiny_llama_dir: Path, tmp_path: Path) -> None:
    tok = _tok(tiny_llama_dir)
    special = (tok.all_special_tokens, tok.all_special_ids, tok.bos_token, tok.eos_token, tok.pad_token)
    template = tok.chat_template
    chat = [{"role": "user", "content": "What is CVE-2021-44228?"}]
    rendered = tok.apply_chat_template(chat, tokenize=False)
    add_tokens_to(tok, extend_vocabulary(tok, DOMAIN, 5))
    assert (tok.all_special_tokens, tok.all_special_ids, tok.bos_token, tok.eos_token, tok.pad_token) == special
    assert tok.chat_template == template
    assert tok.apply_chat_template(chat, tokenize=False) == rendered
    ids = tok.apply_chat_template(chat, tokenize=True)
    ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
    assert ids[0] == tok.convert_tokens_to_ids("<|im_start|>")
    tok.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert again.chat_template == template and again.all_special_tokens == special[0]


def test_byte_level_token_that_cannot_decode_is_refused(tiny_llama_dir: Path) -> None:
    tok = _tok(tiny_llama_dir)
    with pytest.raises(VocabularyError, match="would not decode back"):
        add_tokens_to(tok, ["café"])
    assert add_tokens_to(tok, [" café"]) == [" café"]  # with a space it decodes as raw bytes
    assert tok.decode(tok(" café crème", add_special_tokens=False)["input_ids"]) == " café crème"


# --- embeddings ----------------------------------------------------------------------------------


def _tied_llama(tmp_path: Path) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = _tok(Path(__file__).resolve().parents[1] / "assets" / "tiny-tokenizer")
    config = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True)
    torch.manual_seed(1)
    LlamaForCausalLM(config).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    return tmp_path


def test_resize_keeps_old_rows_and_sets_new_rows_to_sub_token_means(tiny_llama_dir: Path) -> None:
    tok = _tok(tiny_llama_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    old_in = model.get_input_embeddings().weight.detach().clone()
    old_out = model.get_output_embeddings().weight.detach().clone()
    tokens = add_tokens_to(tok, extend_vocabulary(tok, DOMAIN, 5))
    pieces = base_pieces(tok, tokens)
    ids = resize_embeddings(model, tok, tokens)
    assert ids == list(range(512, 517))
    new_in, new_out = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    assert new_in.shape[0] == new_out.shape[0] == len(tok) == 517 == model.config.vocab_size
    assert torch.equal(new_in[:512], old_in) and torch.equal(new_out[:512], old_out)  # bit-identical
    for i, piece in zip(ids, pieces, strict=True):
        assert len(piece) >= 2
        assert torch.allclose(new_in[i], old_in[piece].mean(0), atol=1e-7)
        assert torch.allclose(new_out[i], old_out[piece].mean(0), atol=1e-7)
        assert piece == _tok(tiny_llama_dir)(tokens[ids.index(i)], add_special_tokens=False)["input_ids"]


def test_tied_embeddings_stay_tied(tmp_path: Path) -> None:
    path = _tied_llama(tmp_path / "tied")
    tok = _tok(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    old = model.get_input_embeddings().weight.detach().clone()
    tokens = add_tokens_to(tok, [" CVE-2021", "VirtualAllocEx"])
    ids = resize_embeddings(model, tok, tokens)
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    weight = model.get_input_embeddings().weight
    assert torch.equal(weight[:512], old)
    assert torch.allclose(weight[ids[0]], old[base_pieces(tok, tokens)[0]].mean(0))
    model.save_pretrained(tmp_path / "out")
    again = AutoModelForCausalLM.from_pretrained(tmp_path / "out")
    assert again.lm_head.weight.data_ptr() == again.model.embed_tokens.weight.data_ptr()
    assert torch.equal(again.get_input_embeddings().weight, weight)


# --- save / load ---------------------------------------------------------------------------------


def test_extend_model_dir_round_trips_with_plain_transformers(tiny_llama_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ext"
    ext = extend_model_dir(str(tiny_llama_dir), DOMAIN, 6, out)
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file()
    manifest = json.loads((out / "vocab_extension.json").read_text())
    assert manifest["added_tokens"] == 6 and manifest["tokens"] == ext.tokens
    assert manifest["corpus_tokens_after"] < manifest["corpus_tokens_before"]
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out)
    base = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    assert tok.is_fast and len(tok) == 518 == model.get_input_embeddings().weight.shape[0]
    assert [tok.convert_tokens_to_ids(t) for t in ext.tokens] == ext.ids
    for name, param in base.state_dict().items():
        loaded = model.state_dict()[name]
        if "embed_tokens" in name or "lm_head" in name:
            assert torch.equal(loaded[:512], param)
        else:
            assert torch.equal(loaded, param), name
    assert tok.decode(tok(PROBE, add_special_tokens=False)["input_ids"]) == PROBE
    assert len(tok(PROBE)["input_ids"]) < len(_tok(tiny_llama_dir)(PROBE)["input_ids"])


def test_extend_bert_encoder_dir(tiny_bert_dir: Path, tmp_path: Path) -> None:
    ext = extend_model_dir(str(tiny_bert_dir), DOMAIN, 4, tmp_path / "bert")
    model = AutoModel.from_pretrained(tmp_path / "bert")
    tok = AutoTokenizer.from_pretrained(tmp_path / "bert")
    assert type(model).__name__ == "BertModel"
    assert model.get_input_embeddings().weight.shape[0] == len(tok) == 400 + 4
    assert tok.convert_tokens_to_ids(ext.tokens[0]) == 400
    enc = tok("CVE-2021-44228 and VirtualAllocEx")
    assert enc["input_ids"][0] == tok.cls_token_id and enc["input_ids"][-1] == tok.sep_token_id


# --- training ------------------------------------------------------------------------------------


def _sgd_step(model: torch.nn.Module, ids: torch.Tensor) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    before = {"in": base.get_input_embeddings().weight.detach().clone(),
              "out": base.get_output_embeddings().weight.detach().clone()}
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0)
    model(input_ids=ids, labels=ids).loss.backward()
    opt.step()
    merged = model.merge_and_unload() if hasattr(model, "merge_and_unload") else model
    return {"in": (before["in"], merged.get_input_embeddings().weight.detach()),
            "out": (before["out"], merged.get_output_embeddings().weight.detach())}


@pytest.mark.parametrize("tied", [False, True])
def test_new_rows_train_under_lora_and_base_rows_do_not(tied: bool, tiny_llama_dir: Path, tmp_path: Path) -> None:
    path = _tied_llama(tmp_path / "tied") if tied else tiny_llama_dir
    tok = _tok(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    tokens = add_tokens_to(tok, [" CVE-2021", "VirtualAllocEx", " 0xdeadbeef"])
    ids = resize_embeddings(model, tok, tokens)
    peft_model = attach_adapter(model, AdapterConfig(method="lora", r=2, dropout=0.0), task="causal-lm",
                                trainable_tokens=ids)
    trainable = {n for n, p in peft_model.named_parameters() if p.requires_grad}
    assert any("trainable_tokens_delta" in n for n in trainable)
    assert all("lora_" in n or "trainable_tokens_delta" in n for n in trainable)
    batch = torch.tensor([tok(PROBE, add_special_tokens=False)["input_ids"]])
    assert set(ids) <= set(batch[0].tolist())
    rows = _sgd_step(peft_model, batch)
    for which in ("in", "out"):
        before, after = rows[which]
        assert torch.equal(after[:512], before[:512]), which  # base rows frozen
        assert not torch.equal(after[ids], before[ids]), which  # new rows trained


def test_pretrain_stage_with_vocab_runs_saves_and_reloads(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from llmsec.models import load_model, load_tokenizer
    from llmsec.train import DomainPretrainer

    corpus = _corpus_file(tmp_path, DOMAIN + CORPUS.splitlines())
    stage = PretrainStage(data=DataConfig(train=str(corpus)), max_length=32, vocab=VocabConfig(extend=5),
                          adapter=AdapterConfig(method="lora", r=2, dropout=0.0),
                          trainer={"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 0.05,
                                   "logging_steps": 1})
    ckpt = DomainPretrainer(stage, output_dir=tmp_path / "pt").run(str(tiny_llama_dir))
    manifest = json.loads((ckpt.path / "llmsec.json").read_text())
    vocab = manifest["vocab"]
    assert vocab["added_tokens"] == 5 and vocab["corpus"] == str(corpus) and len(vocab["tokens"]) == 5
    assert manifest["stage"]["vocab"]["extend"] == 5
    tok = load_tokenizer(str(ckpt.path))
    assert len(tok) == 517 and tok.convert_tokens_to_ids(vocab["tokens"][0]) == 512
    model = load_model(str(ckpt.path))  # merges the adapter into a base grown to the new vocabulary
    emb = model.get_input_embeddings().weight
    assert emb.shape[0] == 517
    base = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    assert torch.equal(emb[:512], base.get_input_embeddings().weight)
    resized = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    resize_embeddings(resized, tok, vocab["tokens"])
    assert not torch.allclose(emb[512:], resized.get_input_embeddings().weight[512:])  # trained, saved, loaded
    assert torch.isfinite(emb).all()


# --- bad input -----------------------------------------------------------------------------------


def test_empty_corpus(tiny_llama_dir: Path) -> None:
    with pytest.raises(VocabularyError, match="corpus is empty"):
        extend_vocabulary(_tok(tiny_llama_dir), ["", "   ", "\n"], 3)


def test_too_many_tokens_says_how_many_are_possible(tiny_llama_dir: Path) -> None:
    with pytest.raises(VocabularyError, match=r"supports only (\d+) new tokens, 100000 were asked for") as info:
        extend_vocabulary(_tok(tiny_llama_dir), DOMAIN, 100_000)
    assert "Add " in str(info.value) and "or fewer" in str(info.value)


def test_slow_tokenizer_is_refused() -> None:
    slow = SimpleNamespace(is_fast=False)
    with pytest.raises(VocabularyError, match=r"slow .* fast tokenizer"):
        extend_vocabulary(slow, DOMAIN, 3)
    with pytest.raises(VocabularyError, match="slow"):
        add_tokens_to(slow, ["x"])


def test_bad_arguments(tiny_llama_dir: Path) -> None:
    tok = _tok(tiny_llama_dir)
    with pytest.raises(VocabularyError, match="at least 1"):
        extend_vocabulary(tok, DOMAIN, 0)
    with pytest.raises(VocabularyError, match="method must be"):
        extend_vocabulary(tok, DOMAIN, 2, method="unigram")  # type: ignore[arg-type]
    with pytest.raises(VocabularyError, match="empty or all-space"):
        add_tokens_to(tok, [" "])


def test_vocab_config_checks() -> None:
    from pydantic import ValidationError

    assert PretrainStage(data=DataConfig(train="x"), vocab={"extend": 10}).vocab.corpus is None
    with pytest.raises(ValidationError, match=r"vocab\.format"):
        VocabConfig(extend=10, format="nvd")
    with pytest.raises(ValidationError, match="extra"):
        VocabConfig(extend=10, size=3)
    with pytest.raises(ValidationError):
        VocabConfig(extend=0)
    with pytest.raises(ValidationError, match="method"):
        PretrainStage.model_validate({"data": {"train": "x"}, "vocab": {"extend": 2, "method": "unigram"}})


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_extend(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llmsec.cli import app

    corpus = _corpus_file(tmp_path, DOMAIN)
    out = tmp_path / "cli-out"
    result = CliRunner().invoke(app, ["vocab", "extend", str(tiny_llama_dir), "--corpus", str(corpus),
                                      "--add", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "added 4 tokens" in result.output and "fewer" in result.output
    assert len(AutoTokenizer.from_pretrained(out)) == 516
    assert AutoModelForCausalLM.from_pretrained(out).get_input_embeddings().weight.shape[0] == 516

    bad = CliRunner().invoke(app, ["vocab", "extend", str(tiny_llama_dir), "--corpus", str(corpus),
                                   "--add", "100000", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "supports only" in bad.output
    assert not (tmp_path / "bad").exists()


@pytest.mark.integration
def test_real_text_round_trips_on_smollm2_and_minilm(shared_data: Path) -> None:
    from llmsec.data import corpus_texts, load_records
    from llmsec.models import load_tokenizer

    nvd, _ = load_records(shared_data / "cve_text" / "nvdcve-1.1-recent_2023-03.json", "nvd")
    texts = corpus_texts(nvd)
    build, held = texts[:300], texts[300:]
    tok = load_tokenizer("smollm2-135m-instruct")
    before = count_tokens(tok, held)
    ext = extend_tokenizer(tok, build, 100)
    assert count_tokens(tok, held) < before
    for text in held:
        assert tok.decode(tok(text, add_special_tokens=False)["input_ids"]) == text
    bert = load_tokenizer("minilm-l6")
    plain = _tok(bert.name_or_path)
    extend_tokenizer(bert, build, 100)
    for text in held[:50]:  # BERT is uncased and spaces punctuation: compare with the base's own decoding
        assert bert.decode(bert(text)["input_ids"], skip_special_tokens=True).replace(" ", "") == \
            plain.decode(plain(text)["input_ids"], skip_special_tokens=True).replace(" ", "")
    assert ext.tokens_after < ext.tokens_before
