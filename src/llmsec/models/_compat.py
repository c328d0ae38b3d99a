"""Workarounds for drift between the pinned libraries; each says what it works around and when it goes."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def peft_model_warnings() -> Iterator[None]:
    """Silence one known FutureWarning while peft wraps a model.

    peft 0.21 (``PeftModel.__init__``) reads ``model.is_gradient_checkpointing``,
    which transformers 5.24 deprecated with a FutureWarning in favour of
    ``is_activation_checkpointing``; our test config turns such warnings into
    errors. Only that message is ignored, and only inside this block. It can go
    when peft reads ``is_activation_checkpointing``.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*is_gradient_checkpointing.*", category=FutureWarning)
        yield
