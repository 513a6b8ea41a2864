"""Reading the audit log in pages, filtered."""

from __future__ import annotations

from anfang.app.platform import Platform
from anfang.audit import reading


async def test_pages_newest_first(platform: Platform) -> None:
    for i in range(4):
        await platform.audit.record("user:t", "test.read", f"x:{i}", {})
    with platform.read_session() as s:
        first = reading.page(s, actor="user:t", action=None, before=None, limit=3)
        assert [e["target"] for e in first["items"]] == ["x:3", "x:2", "x:1"]
        rest = reading.page(s, actor="user:t", action=None, before=first["next_before"], limit=3)
        assert [e["target"] for e in rest["items"]] == ["x:0"] and rest["next_before"] is None
        none = reading.page(s, actor=None, action="nothing.such", before=None, limit=3)
        assert none["items"] == []
