"""Intercom tests: anfang's SIP service on a free port, a short ring, a seeded unit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.core.writer import WriteContext
from anfang.store.models import Building, Device, Household, Site, Unit
from anfang.subsystems.intercom.service import INTERCOM, IntercomService
from anfang.wire.sip_udp import Addr
from tests.conftest import make_settings

# The gate's door station has no secret: registration without digest authentication.
SECRETS = {"DS-B01-1": "door-secret-1", "IM-301": "monitor-secret-1", "DS-GATE": ""}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The suite's settings with a short ring (the SIP port is already 0: any free)."""
    return make_settings(tmp_path, intercom_ring_timeout_s=0.6)


@dataclass
class Unit1:
    """The seeded unit: a monitored household, one without a monitor, two door stations."""

    server: Addr
    monitored: int
    unmonitored: int
    monitor: str


async def seed_unit(platform: Platform) -> Unit1:
    """Site S1, building B01, unit 1 with rooms 301 (monitor IM-301) and 401."""

    def job(ctx: WriteContext) -> tuple[int, int]:
        s = ctx.session
        site = Site(code="S1", name="锦绣花园")
        s.add(site)
        s.flush()
        b = Building(site_id=site.id, code="B01", name="1号楼")
        s.add(b)
        s.flush()
        u = Unit(building_id=b.id, code="1", name="1单元")
        s.add(u)
        s.flush()
        h1 = Household(unit_id=u.id, floor=3, room="301")
        h2 = Household(unit_id=u.id, floor=4, room="401")
        s.add_all([h1, h2])
        s.flush()
        common = {"site_id": site.id, "subsystem": "intercom", "protocol": "sip"}
        s.add(
            Device(
                code="DS-B01-1",
                name="门口机",
                type="door_station",
                unit_id=u.id,
                secret=SECRETS["DS-B01-1"],
                **common,
            )
        )
        s.add(Device(code="DS-GATE", name="南门门口机", type="door_station", **common))
        s.add(
            Device(
                code="IM-301",
                name="301 室内机",
                type="indoor_monitor",
                unit_id=u.id,
                meta={"household_id": h1.id},
                secret=SECRETS["IM-301"],
                **common,
            )
        )
        s.flush()
        return h1.id, h2.id

    h1, h2 = await platform.writer.run(job)
    svc = platform.capabilities.require(INTERCOM)
    assert isinstance(svc, IntercomService) and svc.listening
    return Unit1(svc.endpoint.local, h1, h2, "IM-301")


async def wait_for(pred: Callable[[], bool], within_s: float = 5.0) -> None:
    """Wait until ``pred()`` holds (polling), failing after ``within_s`` seconds."""
    deadline = time.monotonic() + within_s
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
