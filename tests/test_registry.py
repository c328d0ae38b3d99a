from __future__ import annotations

import pytest

from llmsec._registry import Registry, UnknownNameError


def test_register_get_and_duplicates() -> None:
    reg: Registry[int] = Registry("widget")
    reg.add("alpha", 1)

    @reg.register("beta")
    def beta() -> int:
        return 2

    assert reg.get("alpha") == 1 and reg.get("beta") is beta
    assert reg.names() == ["alpha", "beta"] and "alpha" in reg and len(reg) == 2
    with pytest.raises(ValueError, match="already registered"):
        reg.add("alpha", 3)


def test_unknown_name_suggests() -> None:
    reg: Registry[int] = Registry("format")
    reg.add("nvd", 1)
    reg.add("juliet", 2)
    with pytest.raises(UnknownNameError) as err:
        reg.get("nvdd")
    assert "Did you mean 'nvd'?" in str(err.value)
    assert "juliet, nvd" in str(err.value)
