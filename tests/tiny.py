"""Tiny models and tokenizers for fast tests.

``make_tiny_llama`` and ``make_tiny_bert`` build seeded, randomly initialised
models from config (2 layers, hidden 16) and save them with a tiny tokenizer
committed under ``tests/assets/``. Regenerate those tokenizers with
``python tests/tiny.py`` (only needed if the corpus or settings below change).
"""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"
TINY_TOKENIZER = ASSETS / "tiny-tokenizer"
TINY_BERT_TOKENIZER = ASSETS / "tiny-bert-tokenizer"

# SmolLM2's ChatML template, without its default system prompt.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

CORPUS = """\
CVE-2021-44228: Apache Log4j2 JNDI features do not protect against attacker controlled LDAP endpoints.
An attacker who can control log messages can execute arbitrary code loaded from LDAP servers.
CWE-79 Improper Neutralization of Input During Web Page Generation (Cross-site Scripting).
CWE-89 Improper Neutralization of Special Elements used in an SQL Command (SQL Injection).
CWE-787 Out-of-bounds Write. CWE-416 Use After Free. CWE-20 Improper Input Validation.
MITRE ATT&CK T1059 Command and Scripting Interpreter: adversaries may abuse PowerShell or bash.
T1566 Phishing: adversaries may send spearphishing messages with a malicious attachment or link.
T1003 OS Credential Dumping: adversaries may dump credentials from LSASS memory.
The buffer overflow in the parser allows remote attackers to cause a denial of service.
A heap-based buffer overflow was found in the kernel network driver; a local user could escalate privileges.
Please verify your account password at http://secure-login.example.com/verify now or it will be suspended.
The firewall dropped TCP SYN packets from 10.0.0.5 to port 22; the intrusion detection system raised an alert.
Malware family: ransomware encrypts files and demands payment; a trojan opens a backdoor to the C2 server.
def login(user, password):
    query = "SELECT * FROM users WHERE name = '" + user + "'"
    return db.execute(query)
char buf[16]; strcpy(buf, input); /* vulnerable: no bounds check */
Patch: use parameterized queries and validate the length of untrusted input before copying it.
CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H base score 9.8 critical.
Question: Which port does SSH use by default? Answer: 22.
Question: What does XSS stand for? Answer: cross-site scripting.
"""

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]
BERT_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tiny_tokenizers(vocab_size: int = 512, bert_vocab_size: int = 400) -> None:
    """(Re)train and save the two tiny tokenizers under ``tests/assets/``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizer, PreTrainedTokenizerFast

    lines = CORPUS.splitlines() * 4

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    bpe.train_from_iterator(lines, trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    ))
    fast = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<|im_start|>", eos_token="<|im_end|>",
        unk_token="<|endoftext|>", pad_token="<pad>", model_max_length=512,
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(TINY_TOKENIZER)

    wp = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wp.normalizer = normalizers.BertNormalizer(lowercase=True)
    wp.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wp.decoder = decoders.WordPiece()
    wp.train_from_iterator(lines, trainers.WordPieceTrainer(
        vocab_size=bert_vocab_size, special_tokens=BERT_SPECIAL, show_progress=False,
    ))
    cls_id, sep_id = wp.token_to_id("[CLS]"), wp.token_to_id("[SEP]")
    wp.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    bert = BertTokenizer(tokenizer_object=wp, model_max_length=512)
    bert.save_pretrained(TINY_BERT_TOKENIZER)


def make_tiny_llama(path: str | Path, seed: int = 0) -> Path:
    """Save a 2-layer, hidden-16 Llama causal LM with the tiny ChatML tokenizer into ``path``."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    path = Path(path)
    tokenizer = AutoTokenizer.from_pretrained(TINY_TOKENIZER)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def make_tiny_bert(path: str | Path, seed: int = 0) -> Path:
    """Save a 2-layer, hidden-16 BERT encoder with the tiny WordPiece tokenizer into ``path``."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    path = Path(path)
    tokenizer = AutoTokenizer.from_pretrained(TINY_BERT_TOKENIZER)
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=128, pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


if __name__ == "__main__":
    build_tiny_tokenizers()
