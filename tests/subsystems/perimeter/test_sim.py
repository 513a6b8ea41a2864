"""The perimeter simulator: beams over the real HTTP push interface, a first intrusion
within seconds of start."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from anfang.app.platform import Platform
from anfang.sim.community import build_demo_site
from anfang.sim.demo import seed_if_empty
from anfang.subsystems import SimContext
from anfang.subsystems.perimeter import sim


async def test_first_intrusion_over_http(
    platform: Platform, live_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    community = build_demo_site()
    await seed_if_empty(platform, community)
    ctx = SimContext(
        kernel=platform,
        settings=platform.settings,
        base_url=live_server,
        host="127.0.0.1",
        community=community,
        rate=0.0,  # no random intrusions: only the first one
        work_dir=tmp_path,
    )
    beams = sim.make_demo_beams(ctx)
    assert beams is not None and len(beams.beams) >= 18
    monkeypatch.setattr(sim, "FIRST_AFTER_S", 0.1)
    sub = await platform.bus.subscribe("events.perimeter.intrusion")
    await beams.start()
    try:
        async with asyncio.timeout(20):
            msg = (await sub.batch(1))[0]
        assert msg.data["source"] == beams.beams[0]["code"]
        assert msg.data["payload"]["detector"] == "active_infrared"
    finally:
        await sub.close()
        await beams.stop()
