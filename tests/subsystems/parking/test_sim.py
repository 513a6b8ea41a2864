"""The car park's simulator: the demo's lot set up once, real plate crops sent over the
signed read interface, the decisions acted on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.sim.community import build_demo_site
from anfang.sim.demo import seed_if_empty
from anfang.store.models import EventRow
from anfang.subsystems import SimContext
from anfang.subsystems.parking import sim
from anfang.subsystems.parking.adapters.plates import parse
from anfang.subsystems.parking.models import ParkingVehicle


def test_the_shipped_crops_are_plates() -> None:
    crops = sim.demo_plates()
    assert len(crops) >= 40
    assert all(parse(p).text == p and img.startswith(b"\xff\xd8") for p, img in crops.items())
    assert sim.misread("苏E12345", __import__("random").Random(1)) != "苏E12345"


async def test_lanes_send_reads_over_http(
    platform: Platform, live_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    community = build_demo_site()
    await seed_if_empty(platform, community)
    ctx = SimContext(
        kernel=platform, settings=platform.settings, base_url=live_server, host="127.0.0.1",
        community=community, rate=60.0, work_dir=tmp_path,
    )  # fmt: skip
    monkeypatch.setattr(sim, "BARRIER_WAIT_S", 0.0)  # no access demo here to configure it
    lanes = sim.make_demo_lanes(ctx)
    assert lanes is not None
    await lanes.start()
    try:
        async with asyncio.timeout(30):
            while True:
                with platform.read_session() as s:
                    n = s.scalar(
                        select(func.count())
                        .select_from(EventRow)
                        .where(EventRow.kind == "parking.entry")
                    )
                if n and n >= 3:
                    break
                await asyncio.sleep(0.1)
    finally:
        await lanes.stop()
    with platform.read_session() as s:
        reads = s.scalars(select(EventRow).where(EventRow.kind == "parking.plate")).all()
        listed = s.scalar(select(func.count()).select_from(ParkingVehicle))
    assert listed == 31
    assert all(r.payload["verdict"] == "ok" and "capture" in r.payload for r in reads)
    await sim.seed(ctx, lanes.plates)  # a second start sets nothing up again
    with platform.read_session() as s:
        assert s.scalar(select(func.count()).select_from(ParkingVehicle)) == 31
