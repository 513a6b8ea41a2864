"""The physical-protection demo: the inventory from the community's map (with the planted
shortfalls), once; damage reported by a guard's phone over HTTP push."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.sim.community import build_demo_site
from anfang.sim.demo import seed_if_empty
from anfang.subsystems import SimContext
from anfang.subsystems.physical import queries, sim
from anfang.subsystems.physical.models import PhysicalItem, PhysicalRepair


async def test_inventory_and_damage_reports(
    platform: Platform, live_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    community = build_demo_site()
    await seed_if_empty(platform, community)
    ctx = SimContext(
        kernel=platform, settings=platform.settings, base_url=live_server, host="127.0.0.1",
        community=community, rate=1.0, work_dir=tmp_path,
    )  # fmt: skip
    monkeypatch.setattr(sim, "FIRST_AFTER_S", 0.1)
    inventory = sim.make_demo_inventory(ctx)
    assert inventory is not None
    await inventory.start()
    try:
        async with asyncio.timeout(20):
            while True:
                with platform.read_session() as s:
                    if s.scalar(select(func.count()).select_from(PhysicalRepair)):
                        break
                await asyncio.sleep(0.1)
    finally:
        await inventory.stop()
    with platform.read_session() as s:
        items = queries.items(s)
        (repair,) = s.scalars(select(PhysicalRepair)).all()
    kinds = {i.kind for i in items}
    assert {"fence", "entrance_door", "bollard"} <= kinds
    short = sorted({f.rule for i in items for f in i.findings if f.mandatory})
    assert short == ["bar_gap", "door_locking", "fence_height"]
    assert repair.source == "report" and repair.item_id is not None
    again = sim.DemoInventory(ctx)
    await again.start()  # a second start sets nothing up again
    await again.stop()
    with platform.read_session() as s:
        assert s.scalar(select(func.count()).select_from(PhysicalItem)) == len(items)
