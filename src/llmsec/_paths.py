"""Where llmsec keeps its caches."""

from __future__ import annotations

import os
from pathlib import Path


def llmsec_home() -> Path:
    """The cache root: ``$LLMSEC_HOME``, else ``~/.cache/llmsec``."""
    return Path(os.environ.get("LLMSEC_HOME") or Path.home() / ".cache" / "llmsec").expanduser()
