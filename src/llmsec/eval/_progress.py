"""Progress bars for long evaluation loops.

They are transformers' tqdm bars, so one switch governs them and the library's own:
``transformers.utils.logging.disable_progress_bar()`` (the CLI's default without
``--verbose``) or ``HF_HUB_DISABLE_PROGRESS_BARS=1`` silences both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterable[T]:
    """``items``, with a progress bar while they are consumed."""
    from transformers.utils.logging import tqdm

    return tqdm(items, desc=desc, total=total, leave=False)  # type: ignore[no-any-return]

