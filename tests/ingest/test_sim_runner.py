"""The simulator runner: many devices with random activities, one going silent."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.ingest.sim_runner import Activity, SimRunner
from anfang.store.models import Device, EventRow
from tests.ingest.conftest import add_device, until

SECRET = "runner-secret-01"


def count(platform: Platform) -> int:
    with platform.read_session() as s:
        return s.scalar(select(func.count()).select_from(EventRow)) or 0


async def test_runner_drives_many_devices_and_one_goes_silent(
    platform: Platform, live_url: str
) -> None:
    codes = [f"DEV-{i}" for i in range(6)]
    for code in codes:
        await add_device(platform, code, SECRET + code, interval=60)
    runner = SimRunner(live_url, seed=3)
    for code in codes:
        runner.add(
            code,
            SECRET + code,
            [Activity("access.granted", 600.0)],
            heartbeat_s=0.1,
            silent_after_s=0.3 if code == "DEV-0" else None,
        )
    await runner.start()
    await until(lambda: all(d.stats.acked >= 5 for c, d in runner.devices.items() if c != "DEV-0"))
    silent = runner.devices["DEV-0"]
    await until(lambda: silent.silent)
    beats = silent.stats.heartbeats
    await until(lambda: runner.devices["DEV-1"].stats.heartbeats >= 3)
    await runner.stop()
    assert silent.stats.heartbeats == beats  # no heartbeat after going silent
    total = runner.totals()
    assert total.acked == count(platform)  # nothing else stored events here
    assert total.duplicates == 0 and not total.rejected
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("sim-")]
    with platform.read_session() as s:
        states = dict(s.execute(select(Device.code, Device.state)).all())
    assert all(states[c] == "online" for c in codes)
