"""The demo's intercom: door stations for a few units and monitors for a few households
(seeded as an installer would), and visitors calling now and then, all over SIP/UDP
through :mod:`anfang.subsystems.intercom.sim_devices`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from anfang.core.writer import WriteContext
from anfang.store.models import Building, Device, Household, Unit
from anfang.subsystems.intercom.service import INTERCOM
from anfang.subsystems.intercom.sim_devices import (
    Choice,
    SimulatedDoorStation,
    SimulatedMonitor,
    demo_snapshot,
)

if TYPE_CHECKING:
    from anfang.subsystems import SimContext

log = logging.getLogger(__name__)


@dataclass
class DemoIntercom:
    """The demo's door stations and monitors, and visitors calling now and then."""

    ctx: SimContext
    doors: list[tuple[SimulatedDoorStation, list[str]]] = field(default_factory=list)
    monitors: list[SimulatedMonitor] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Seed the devices (as an installer would), register them, start the visitors."""
        svc = self.ctx.kernel.capabilities.require(INTERCOM)
        if not svc.listening:
            log.warning("demo intercom: anfang's SIP service is not listening; no intercom")
            return
        server = svc.endpoint.local
        plan = await self.ctx.kernel.writer.run(_seed_devices)
        rng = random.Random(11)

        def choose() -> Choice:
            return rng.choices(["unlock", "deny", "decline", "ignore"], [70, 8, 12, 10])[0]

        for door_code, rooms in plan.doors:
            self.doors.append(
                (SimulatedDoorStation(door_code, server, secret=plan.secrets[door_code]), rooms)
            )
        for mon_code in plan.monitors:
            self.monitors.append(
                SimulatedMonitor(
                    mon_code, server, choose, ring_s=2.0, secret=plan.secrets[mon_code]
                )
            )
        for dev in [*self.monitors, *(d for d, _ in self.doors)]:
            await dev.start(self.ctx.host if self.ctx.host != "0.0.0.0" else "127.0.0.1")
        self._task = asyncio.create_task(self._visitors(rng))

    async def _visitors(self, rng: random.Random) -> None:
        jpeg = await asyncio.to_thread(demo_snapshot, 1)
        while True:
            await asyncio.sleep(rng.expovariate(self.ctx.rate / 90.0))
            door, rooms = rng.choice(self.doors)
            try:
                await door.call(rng.choice(rooms), jpeg, talk_s=8.0)
            except (TimeoutError, ConnectionAbortedError) as exc:
                log.info("demo intercom call failed: %r", exc)

    async def stop(self) -> None:
        """Stop the visitors and close every device."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for dev in [*self.monitors, *(d for d, _ in self.doors)]:
            await dev.stop()


@dataclass
class _Plan:
    doors: list[tuple[str, list[str]]]
    monitors: list[str]
    secrets: dict[str, str] = field(default_factory=dict)


def _seed_devices(ctx: WriteContext, units: int = 6, homes: int = 3) -> _Plan:
    """Door stations for a few units and monitors for a few households of each."""
    s = ctx.session
    plan = _Plan([], [])
    rows = s.execute(
        select(Unit.id, Unit.code, Building.code, Building.site_id)
        .join(Building, Building.id == Unit.building_id)
        .order_by(Building.code, Unit.code)
        .limit(units)
    ).all()
    existing = set(s.scalars(select(Device.code).where(Device.subsystem == "intercom")))
    for unit_id, unit_code, b_code, site_id in rows:
        code = f"DS-{b_code}-{unit_code}"
        hh = s.execute(
            select(Household.id, Household.room)
            .where(Household.unit_id == unit_id)
            .order_by(Household.id)
            .limit(homes + 1)
        ).all()
        if len(hh) < 2:
            continue
        hh, unmonitored = hh[:-1], hh[-1][1]
        if code not in existing:
            s.add(
                Device(
                    site_id=site_id,
                    code=code,
                    name=f"{b_code}栋{unit_code}单元门口机",
                    type="door_station",
                    subsystem="intercom",
                    unit_id=unit_id,
                    protocol="sip",
                    secret=secrets.token_hex(16),
                    meta={"simulated": True},
                )
            )
        for hid, room in hh:
            mon = f"IM-{hid}"
            if mon not in existing:
                s.add(
                    Device(
                        site_id=site_id,
                        code=mon,
                        name=f"{b_code}-{unit_code}-{room} 室内机",
                        type="indoor_monitor",
                        subsystem="intercom",
                        unit_id=unit_id,
                        protocol="sip",
                        secret=secrets.token_hex(16),
                        meta={"simulated": True, "household_id": hid},
                    )
                )
            plan.monitors.append(mon)
        # Visitors mostly call homes that have a monitor, now and then one that has none.
        plan.doors.append((code, [r for _, r in hh] + [unmonitored]))
    s.flush()
    ctx.mark_changed("devices")
    found = s.execute(select(Device.code, Device.secret).where(Device.subsystem == "intercom"))
    plan.secrets = {code: secret for code, secret in found}
    return plan


def make_demo_intercom(ctx: SimContext) -> DemoIntercom | None:
    """The demo's intercom devices, when the platform's intercom is listening."""
    if INTERCOM not in ctx.kernel.capabilities:
        return None
    return DemoIntercom(ctx)
