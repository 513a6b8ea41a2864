"""The guard-tour simulator: the demo's tour set up once, guards swiping over the real HTTP
push interface, the docked reader's swipes arriving in one batch, the absent guard silent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.sim.community import build_demo_site
from anfang.sim.demo import seed_if_empty
from anfang.subsystems import SimContext
from anfang.subsystems.patrol import sim
from anfang.subsystems.patrol.models import PatrolCheckin, PatrolRoute, PatrolSchedule


async def test_guards_walk_over_http(
    platform: Platform, live_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    community = build_demo_site()
    await seed_if_empty(platform, community)
    ctx = SimContext(
        kernel=platform, settings=platform.settings, base_url=live_server, host="127.0.0.1",
        community=community, rate=1.0, work_dir=tmp_path,
    )  # fmt: skip
    monkeypatch.setattr(sim, "MINUTE_S", 0.01)
    calls: dict[str, int] = {}

    def next_start(self: sim.DemoGuards, now: datetime) -> datetime:
        key = asyncio.current_task().get_name()  # type: ignore[union-attr]
        calls[key] = calls.get(key, 0) + 1
        return now if calls[key] == 1 else now + timedelta(days=1)  # one round each

    monkeypatch.setattr(sim.DemoGuards, "_next_start", next_start)
    guards = sim.make_demo_guards(ctx)
    assert guards is not None
    await guards.start()
    try:
        async with asyncio.timeout(30):
            while True:
                with platform.read_session() as s:
                    by_device = dict(
                        s.execute(
                            select(PatrolCheckin.device, func.count()).group_by(
                                PatrolCheckin.device
                            )
                        ).all()
                    )
                if by_device.get("PR-01") == 7 and by_device.get("PR-03", 0) >= 3:
                    break
                await asyncio.sleep(0.1)
    finally:
        await guards.stop()
    with platform.read_session() as s:
        verdicts = set(s.scalars(select(PatrolCheckin.verdict)))
        assert s.scalar(select(func.count()).select_from(PatrolRoute)) == 4
        assert s.scalar(select(func.count()).select_from(PatrolSchedule)) == 4
        batch = s.scalars(select(PatrolCheckin).where(PatrolCheckin.device == "PR-03")).all()
    assert verdicts == {"ok"} and "PR-04" not in by_device
    # The docked reader's swipes keep their own times, earlier than their arrival.
    assert all(c.occurred_at < c.received_at for c in batch)
    assert max(c.occurred_at for c in batch) <= datetime.now(UTC)
    await sim.seed(ctx)  # a second start sets nothing up again
    with platform.read_session() as s:
        assert s.scalar(select(func.count()).select_from(PatrolRoute)) == 4
