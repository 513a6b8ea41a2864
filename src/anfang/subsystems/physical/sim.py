"""Physical protection in ``anfang demo``: the inventory set up once from the community's
map (a fence per perimeter zone, the unit entrance doors, bollards at the vehicle gates,
grilles on the lowest floors), with a few items short of the rules so that the console has
something to show; and a guard's phone (PR-04) reporting damage over the signed HTTP push
interface now and then, each report opening a repair record."""

from __future__ import annotations

import asyncio
import logging
import math
import random
from typing import Any

from sqlalchemy import func, select

from anfang.ingest.sim_runner import SimRunner
from anfang.store.models import Device, Zone
from anfang.subsystems import SimContext
from anfang.subsystems.physical import service as svc
from anfang.subsystems.physical.models import PhysicalItem
from anfang.subsystems.physical.schemas import ItemIn

log = logging.getLogger(__name__)
REPORTER = "PR-04"
REPORTS_PER_HOUR = 4.0
FIRST_AFTER_S = 20.0


def plan(zones: list[Zone], devices: list[dict[str, Any]]) -> list[ItemIn]:
    """The demo inventory: compliant but for a low fence, a wide-barred one and a door."""
    items: list[ItemIn] = []
    for i, z in enumerate(sorted(zones, key=lambda z: z.code)):
        length = sum(math.dist(a, b) for a, b in zip(z.geometry, z.geometry[1:], strict=False))
        items.append(
            ItemIn(
                code=f"F-{z.code}",
                name=f"{z.name}围栏",
                kind="fence",
                geometry=z.geometry,
                height_m=1.6 if i == 3 else 2.2,
                length_m=round(length, 1),
                material="钢格栅",
                anti_climb=[] if i == 7 else ["刺丝滚笼"],
                bar_gap_cm=18 if i == 11 else 12,
                zone_id=z.id,
            )
        )
    doors = [d for d in devices if d.get("type") == "door_reader"]
    for k, d in enumerate(doors):
        items.append(
            ItemIn(
                code=f"D-{d['code'].removeprefix('DR-')}",
                name=d["name"].replace("门禁读卡器", "单元门"),
                kind="entrance_door",
                geometry=[[d["map_x"], d["map_y"]]],
                material="钢质",
                locking="single" if k == 2 else "multi_point",
            )
        )
    for d in devices:
        if d.get("type") == "barrier":
            items.append(
                ItemIn(
                    code=f"B-{d['code']}",
                    name=d["name"].replace("道闸", "防撞柱"),
                    kind="bollard",
                    geometry=[[d["map_x"] + 6, d["map_y"]]],
                    height_m=0.8,
                    material="不锈钢",
                )
            )
    return items


class DemoInventory:
    """The inventory and the damage-reporting phone as a simulator component."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.runner = SimRunner(ctx.base_url, seed=41)
        self.rng = random.Random(41)
        self.codes: list[str] = []

    def _state(self) -> tuple[int, list[Zone], str | None]:
        with self.ctx.kernel.read_session() as s:
            n = int(s.scalar(select(func.count()).select_from(PhysicalItem)) or 0)
            zones = list(s.scalars(select(Zone).where(Zone.kind == "perimeter")))
            secret = s.scalar(select(Device.secret).where(Device.code == REPORTER))
            return n, zones, secret

    async def start(self) -> None:
        """Set up the inventory (once) and start the phone."""
        have, zones, secret = await asyncio.to_thread(self._state)
        items = plan(zones, self.ctx.community.devices)
        self.codes = [i.code for i in items if i.kind == "fence"]
        if not have:
            for item in items:
                await svc.save_item(self.ctx.kernel, "demo", item)
            log.info("demo: physical inventory set up: %d items", len(items))
        if secret and self.codes:
            self.runner.add(REPORTER, secret, [], heartbeat_s=None)
            await self.runner.start()
            self.runner.spawn(self._reports(), "sim-damage-reports")

    async def _reports(self) -> None:
        dev = self.runner.devices[REPORTER]
        await asyncio.sleep(FIRST_AFTER_S)
        while True:
            code = self.rng.choice(self.codes)
            what = self.rng.choice(["围栏网片被剪开约半米", "防攀爬刺丝脱落", "立柱松动倾斜"])
            dev.emit("physical.damage", {"item": code, "description": what, "guard": "G04"})
            await asyncio.sleep(
                self.rng.expovariate(REPORTS_PER_HOUR * max(self.ctx.rate, 0.01) / 3600)
            )

    async def stop(self) -> None:
        """Stop the phone."""
        await self.runner.stop(flush_timeout=2.0)


def make_demo_inventory(ctx: SimContext) -> DemoInventory | None:
    """Simulator factory."""
    return DemoInventory(ctx)
