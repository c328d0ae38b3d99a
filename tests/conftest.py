"""Shared fixtures: offline mode, the shared real-data folder, tiny models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
ASSETS = Path(__file__).resolve().parent / "assets"


def shared_data_dir() -> Path:
    """``$LLMSEC_SHARED_DATA`` or ``../shared/data`` beside the checkout."""
    env = os.environ.get("LLMSEC_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real security data samples; tests that need them skip without them."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep each session's llmsec cache away from the user's, but share it across tests."""
    if "LLMSEC_HOME" not in os.environ:
        monkeypatch.setenv("LLMSEC_HOME", str(tmp_path_factory.getbasetemp() / "llmsec-home"))


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved 2-layer, hidden-16 random Llama causal LM with the tiny ChatML tokenizer."""
    from tiny import make_tiny_llama

    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved 2-layer, hidden-16 random BERT encoder with the tiny WordPiece tokenizer."""
    from tiny import make_tiny_bert

    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))
