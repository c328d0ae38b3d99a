"""Moved to :mod:`llmsec.checkpoints._intermediate` (intermediate checkpoints); the old import path still works."""

import sys

from ..checkpoints import _intermediate

sys.modules[__name__] = _intermediate  # one module object: patching either name patches both
