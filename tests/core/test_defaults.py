"""Default alarm definitions: they match kinds that exist, and are seeded by a stable key."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.app.registry import load_all
from anfang.core import defaults, kinds
from anfang.core.defaults import DEFAULT_DEFINITIONS
from anfang.core.writer import WriteContext
from anfang.store.models import AlarmDefinition
from tests.conftest import make_settings


def test_default_definitions_match_declared_kinds() -> None:
    load_all()
    declared = [k.kind for k in kinds.all_kinds()]
    for d in DEFAULT_DEFINITIONS:
        assert 1 <= d["priority"] <= 5 and d["procedure"]
        hits = [k for k in declared if any(kinds.matches(p, k) for p in d["kinds"])]
        assert hits, f"definition {d['name']} matches no declared kind"
        assert not any(k.endswith("restore") for k in hits), d["name"]


def test_keys_are_unique() -> None:
    keys = [d["key"] for d in DEFAULT_DEFINITIONS]
    assert len(keys) == len(set(keys)) and all(keys)


async def test_seeding_follows_defaults_but_never_edits(tmp_path: Path) -> None:
    """A site created before a default existed, or before one grew, gets it on upgrade;
    an operator's edit is kept."""
    settings = make_settings(tmp_path)
    p = Platform(settings)
    await p.start()
    try:

        def make_old_site(ctx: WriteContext) -> None:
            rows = {r.name: r for r in ctx.session.scalars(select(AlarmDefinition))}
            # As seeded before keys existed, with the offline default of that time.
            for r in rows.values():
                r.default_key, r.default_digest = None, ""
            rows["设备离线"].kinds = ["device.offline"]
            rows["视频丢失"].priority = 1  # an operator's edit
            ctx.session.delete(rows["巡更异常"])  # a default new in this version
            ctx.mark_changed("alarm_definitions")

        await p.writer.run(make_old_site)
    finally:
        await p.stop()
    again = Platform(settings)
    await again.start()
    try:
        with again.read_session() as s:
            rows = {r.name: r for r in s.scalars(select(AlarmDefinition))}
            count = len(rows)
        assert rows["设备离线"].kinds == ["device.offline", "access.reader_offline"]
        assert rows["视频丢失"].priority == 1 and rows["视频丢失"].default_digest == ""
        assert rows["巡更异常"].default_key == "patrol_exception"
        assert all(r.default_key for r in rows.values())
        await again.writer.run(defaults.seed)  # again: nothing changes
        with again.read_session() as s:
            assert len(list(s.scalars(select(AlarmDefinition)))) == count
    finally:
        await again.stop()
