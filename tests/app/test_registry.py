"""The registry finds subsystems through entry points and refuses a bad one."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from anfang.app import registry
from anfang.core import kinds
from anfang.subsystems import ENTRY_POINT_GROUP


def test_builtin_subsystems_in_order() -> None:
    subs = registry.load_all()
    assert list(subs)[:5] == ["perimeter", "video", "access", "intercom", "home_alarm"]
    assert kinds.get("perimeter.intrusion").zh == "周界入侵"
    assert len(registry.routers()) >= 8
    assert registry.migration_locations() == []  # every migration is anfang's own so far


def test_an_entry_point_that_is_no_subsystem_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = EntryPoint("broken", "anfang.core.kinds:get", ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "_LOADED", {})
    monkeypatch.setattr(registry, "entry_points", lambda group: [bad])
    with pytest.raises(registry.RegistryError, match="is not a Subsystem"):
        registry.load_all()
    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    with pytest.raises(registry.RegistryError, match="no subsystems"):
        registry.load_all()
