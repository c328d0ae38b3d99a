"""serialize_flow: the documented flow-to-text line."""

from __future__ import annotations

import doctest

from llmsec.data.formats import flow_text
from llmsec.data.formats.flow_text import format_value, serialize_flow


def test_docstring_example_holds() -> None:
    assert doctest.testmod(flow_text).failed == 0


def test_values_are_compact_and_stable() -> None:
    assert format_value(496.0) == "496"
    assert format_value(0.098989) == "0.098989"
    assert format_value(78.741151) == "78.7412"
    assert format_value(5590358.5) == "5590358"
    assert format_value(0.000012) == "1.2e-05"
    assert format_value(-1.0) == "-1"
    assert format_value(None) == "-"
    assert format_value("") == "-"
    assert format_value("Web Attack - XSS") == "Web_Attack_-_XSS"


def test_columns_pick_and_order() -> None:
    flow = {"Flow Duration": 3.0, "proto": "tcp", "sbytes": 10}
    assert serialize_flow(flow) == "Flow_Duration=3 proto=tcp sbytes=10"
    assert serialize_flow(flow, columns=["sbytes", "proto", "absent"]) == "sbytes=10 proto=tcp absent=-"


def test_the_old_module_name_is_a_deprecated_alias() -> None:
    import importlib
    import sys

    import pytest

    sys.modules.pop("llmsec.data.flow_text", None)
    with pytest.warns(DeprecationWarning, match="moved to llmsec.data.formats.flow_text"):
        old = importlib.import_module("llmsec.data.flow_text")
    assert old.serialize_flow is serialize_flow
