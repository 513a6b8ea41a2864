"""The demo's centre: a shift on duty with its first log line, and one linkage rule."""

from __future__ import annotations

from pathlib import Path

from anfang.app.platform import Platform
from anfang.subsystems import SimContext
from anfang.subsystems.center import queries, rules
from anfang.subsystems.center.sim import make_demo_duty


async def test_the_demo_starts_a_shift_and_a_rule_once(platform: Platform, tmp_path: Path) -> None:
    ctx = SimContext(
        kernel=platform,
        settings=platform.settings,
        base_url="http://127.0.0.1:1",
        host="127.0.0.1",
        community=None,  # type: ignore[arg-type]
        rate=1.0,
        work_dir=tmp_path,
    )
    sim = make_demo_duty(ctx)
    await sim.start()
    await sim.start()  # a restart adds nothing
    await sim.stop()
    with platform.read_session() as s:
        duty = queries.on_duty(s)
        assert duty is not None and duty.operator == "user:admin"
        assert len(queries.shift_log(s, duty.id).entries) == 1
        listed = rules.listing(s, platform.linkage.handles)
    assert [r.name for r in listed] == ["周界入侵联动弹窗"] and listed[0].problems == []
