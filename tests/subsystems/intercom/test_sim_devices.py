"""The simulated door station's ``hang_up_on_open``: it ends its call once the door opens."""

from __future__ import annotations

import asyncio
import time

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.subsystems.intercom.models import IntercomCall
from anfang.subsystems.intercom.sim_devices import SimulatedDoorStation, SimulatedMonitor
from tests.conftest import auth
from tests.subsystems.intercom.conftest import SECRETS, seed_unit, wait_for


def states(platform: Platform) -> list[IntercomCall]:
    with platform.read_session() as s:
        return list(s.scalars(select(IntercomCall)))


async def test_door_station_hangs_up_once_the_operator_opens(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    unit = await seed_unit(platform)
    door = SimulatedDoorStation("DS-B01-1", unit.server, secret=SECRETS["DS-B01-1"])
    mon = SimulatedMonitor(unit.monitor, unit.server, lambda: "hold", secret=SECRETS["IM-301"])
    await mon.start()
    await door.start()
    try:
        calling = asyncio.create_task(door.call("301", talk_s=60, hang_up_on_open=True))
        await wait_for(lambda: [c.state for c in states(platform)] == ["answered"])
        opened_at = time.monotonic()
        r = await app_client.post(
            "/api/v1/intercom/door-stations/DS-B01-1/unlock",
            json={"reason": "住户电话请求", "call_id": states(platform)[0].id},
            headers=auth(admin_token),
        )
        assert r.status_code == 204, r.text
        async with asyncio.timeout(10):  # far less than talk_s: it hung up on the open
            result = await calling
        assert time.monotonic() - opened_at < 10
    finally:
        await door.stop()
        await mon.stop()
    assert result.status == 200 and result.opened and not result.ended_by_peer
    await wait_for(lambda: [c.state for c in states(platform)] == ["ended"])
    assert states(platform)[0].end_reason == "unlocked"
