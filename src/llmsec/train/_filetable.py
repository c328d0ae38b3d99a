"""Moved to :mod:`llmsec.checkpoints._filetable`; the old import path still works."""

import sys

from ..checkpoints import _filetable

sys.modules[__name__] = _filetable  # one module object: patching either name patches both
