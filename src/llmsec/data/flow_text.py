"""Deprecated alias: flow serialisation moved to :mod:`llmsec.data.formats.flow_text` (beside the flow
formats that use it). This alias goes in the next release."""

import warnings

from .formats.flow_text import FlowValue, format_value, serialize_flow

__all__ = ["FlowValue", "format_value", "serialize_flow"]

warnings.warn("llmsec.data.flow_text moved to llmsec.data.formats.flow_text; the old name goes in the next release",
              DeprecationWarning, stacklevel=2)
