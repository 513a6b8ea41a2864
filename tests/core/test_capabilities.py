"""Typed capabilities: provided, found by key, withdrawn, required."""

from __future__ import annotations

import pytest

from anfang.core.capabilities import Capabilities, Key, Unavailable

NUMBER: Key[int] = Key("number")
TEXT: Key[str] = Key("text")


def test_provide_get_withdraw_require() -> None:
    caps = Capabilities()
    assert caps.get(NUMBER) is None and NUMBER not in caps
    caps.provide(NUMBER, 7)
    assert caps.get(NUMBER) == 7 and NUMBER in caps and TEXT not in caps
    assert caps.require(NUMBER) == 7
    caps.withdraw(NUMBER)
    caps.withdraw(NUMBER)  # twice is fine
    with pytest.raises(Unavailable, match="number is not available"):
        caps.require(NUMBER)
    assert "number" not in caps  # only keys are looked up
