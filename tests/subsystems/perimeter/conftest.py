"""A site with one 50 m perimeter zone, cameras around it, and a perimeter alarm host."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.linkage import LinkageRequest
from anfang.core.writer import WriteContext
from anfang.store.models import Alarm, Device, EventRow, Site, Zone
from anfang.subsystems.home_alarm import partitions as parts
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from anfang.subsystems.home_alarm.component import SIA_RECEIVER
from anfang.subsystems.home_alarm.models import AccountCreate, ZoneIn
from anfang.subsystems.perimeter.component import PerimeterComponent
from tests.subsystems.home_alarm.adapters.test_sia_receiver import exchange, frame, kind_of


@dataclass
class Fence:
    """What the fixture built."""

    site_id: int
    zone_id: int
    other_zone_id: int


@pytest.fixture
async def fence(platform: Platform) -> Fence:
    """Zone N-01 from (0,0) to (50,0); CAM-IN placed in it, CAM-B 3 m away, CAM-A 5 m,
    CAM-FAR far off; account 5678 (perimeter host) zone 3 → N-01, zone 4 → N-02."""

    def build(ctx: WriteContext) -> Fence:
        site = Site(code="S", name="小区")
        ctx.session.add(site)
        ctx.session.flush()
        zone = Zone(site_id=site.id, code="N-01", name="北围墙", geometry=[[0, 0], [50, 0]])
        other = Zone(site_id=site.id, code="N-02", name="北围墙二", geometry=[[50, 0], [100, 0]])
        ctx.session.add_all([zone, other])
        ctx.session.flush()
        for code, x, y, zid in (
            ("CAM-A", 10.0, 5.0, None),
            ("CAM-B", 45.0, -3.0, None),
            ("CAM-FAR", 300.0, 300.0, None),
            ("CAM-IN", None, None, zone.id),
        ):
            ctx.session.add(
                Device(site_id=site.id, code=code, name=code, type="camera",
                       subsystem="video", map_x=x, map_y=y, zone_id=zid)
            )  # fmt: skip
        ctx.mark_changed("devices")
        return Fence(site.id, zone.id, other.id)

    built = await platform.writer.run(build)
    await svc.create_account(platform, "t", AccountCreate(account="5678", kind="perimeter"))
    await parts.put_zone(platform, "t", "5678", ZoneIn(zone="3", site_zone_id=built.zone_id))
    await parts.put_zone(platform, "t", "5678", ZoneIn(zone="4", site_zone_id=built.other_zone_id))
    return built


async def send(platform: Platform, seq: int, *events: SiaEvent) -> None:
    """Host 5678 reports ``events``; an ACK is expected."""
    assert platform.capabilities.require(SIA_RECEIVER) is not None
    (reply,) = await exchange(
        platform.capabilities.require(SIA_RECEIVER), frame("5678", seq, events=list(events))
    )
    assert kind_of(reply) == b"ACK", reply


def component(platform: Platform) -> PerimeterComponent:
    """The running perimeter component."""
    return next(c for c in platform.components if isinstance(c, PerimeterComponent))


async def until(check: Callable[[], bool]) -> None:
    """Wait (up to 5 s) until ``check()`` holds."""
    async with asyncio.timeout(5):
        while not check():  # noqa: ASYNC110 - polls state other tasks change
            await asyncio.sleep(0.01)


@pytest.fixture
def linked(platform: Platform) -> list[LinkageRequest]:
    """Every linkage request made, in order (whoever handles them in the running platform)."""
    made: list[LinkageRequest] = []

    async def record(req: LinkageRequest) -> list[dict[str, Any]]:
        made.append(req)
        return []

    for action in ("snapshot", "clip"):
        platform.linkage.unregister(action)
        platform.linkage.register(action, record)
    return made


def intrusions(platform: Platform) -> list[EventRow]:
    """Stored intrusion events, oldest first."""
    with platform.read_session() as s:
        rows = s.scalars(select(EventRow).where(EventRow.kind == "perimeter.intrusion"))
        return sorted(rows, key=lambda r: r.id)


def alarms(platform: Platform) -> list[Alarm]:
    """Every alarm."""
    with platform.read_session() as s:
        return list(s.scalars(select(Alarm)))
