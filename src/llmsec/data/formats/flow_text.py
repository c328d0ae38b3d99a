"""Flow-to-text: one network flow as a compact ``name=value`` line for language models.

The numeric features of a flow are also kept, unchanged, in ``meta["features"]``
of every flow :class:`~llmsec.data.Example`, so classical baselines read numbers
while language models read this text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = ["format_value", "serialize_flow"]

FlowValue = float | int | str | None


def format_value(value: FlowValue) -> str:
    """One value as a short, stable token.

    Integral numbers print without a decimal point (``496``); other numbers keep
    six significant digits (``0.098989``, ``78.7412``), large ones are rounded to
    an integer rather than written in exponent form (``5590358.5`` -> ``5590358``),
    tiny ones keep the exponent (``1.2e-05``). Strings have inner whitespace
    replaced by ``_``; ``None`` and empty strings print as ``-`` (unset).
    """
    if value is None:
        return "-"
    if isinstance(value, str):
        return "_".join(value.split()) or "-"
    number = float(value)
    if not math.isfinite(number):
        return str(number)  # "nan", "inf", "-inf": loaders reject these, never silently print them
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    text = f"{number:.6g}"
    if "e" in text and abs(number) >= 1:
        text = f"{number:.0f}"
    return text


def _name(name: str) -> str:
    return "_".join(name.split()) or "-"


def serialize_flow(features: Mapping[str, FlowValue], *, columns: Sequence[str] | None = None) -> str:
    """A flow as space-separated ``name=value`` pairs, in a stable order.

    Args:
        features: column name -> value (numbers, categorical strings, ``None`` for unset).
        columns: which columns to write, in this order; default: all, in the
            mapping's order. A listed column the flow lacks is written as ``-``.

    Returns:
        One line; column names have inner whitespace replaced by ``_``
        (``Flow Duration`` -> ``Flow_Duration``). Values follow :func:`format_value`.

    Example:
        >>> serialize_flow({"proto": "tcp", "service": "http", "dur": 0.12, "sbytes": 496.0})
        'proto=tcp service=http dur=0.12 sbytes=496'
    """
    names = list(features) if columns is None else list(columns)
    return " ".join(f"{_name(n)}={format_value(features.get(n))}" for n in names)
