"""Fixtures of the uplink tests: simulated police platforms, upper platforms configured
through the service, shared devices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.models import Device, Site
from anfang.subsystems.video.sim import SimCameraServer, StreamSpec
from anfang.uplink import service
from anfang.uplink.component import UPLINK, Uplink
from anfang.uplink.schemas import PlatformIn
from anfang.uplink.sim_upper import SimUpper
from anfang.uplink.sim_viid import SimViid
from tests.subsystems.video.test_camera_task import SMALL

UPPER_ID = "34020000002000000001"
VIID_ID = "34020000005030000001"
LOCAL_ID = "34020000002000000099"
PASSWORD = "upper-secret-1"


@pytest.fixture(scope="session")
def cams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimCameraServer]:
    """An H.264 and an H.265 camera (GStreamer RTSP server, looped clips)."""
    streams = [
        StreamSpec("/h264/main", **SMALL),  # type: ignore[arg-type]
        StreamSpec("/hevc/main", codec="h265", **SMALL),  # type: ignore[arg-type]
    ]
    server = SimCameraServer(streams, tmp_path_factory.mktemp("clips"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def until(cond: Callable[[], bool], within_s: float = 15.0) -> None:
    """Wait until ``cond()`` holds, failing after ``within_s`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within_s} s")
        await asyncio.sleep(0.02)


async def add_devices(platform: Platform, devices: list[tuple[str, str]]) -> None:
    """Create a site (once) and devices (code, type)."""

    def job(ctx: WriteContext) -> None:
        site_id = ctx.session.scalar(select(Site.id).limit(1))
        if site_id is None:
            site = Site(code="t", name="测试小区")
            ctx.session.add(site)
            ctx.session.flush()
            site_id = site.id
        for code, kind in devices:
            ctx.session.add(
                Device(site_id=site_id, code=code, name=f"设备{code}", type=kind, subsystem="video")
            )
        ctx.mark_changed("devices")

    await platform.writer.run(job)


async def configure(platform: Platform, **fields: Any) -> int:
    """Add an upper platform through the service and wait for its link to start."""
    data = {
        "name": "上级", "protocol": "gb28181", "server_id": UPPER_ID, "host": "127.0.0.1",
        "local_id": LOCAL_ID, "password": SecretStr(PASSWORD), "keepalive_s": 5, **fields,
    }  # fmt: skip
    pid = await service.save(
        platform, platform.secrets, "installer", PlatformIn.model_validate(data)
    )
    await uplink(platform).reconfigure()
    return pid


def uplink(platform: Platform) -> Uplink:
    """The running uplink component."""
    return platform.capabilities.require(UPLINK)


@pytest.fixture
async def upper() -> AsyncIterator[SimUpper]:
    """A simulated GB/T 28181 upper platform on 127.0.0.1."""
    sim = SimUpper(UPPER_ID, PASSWORD)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def viid() -> AsyncIterator[SimViid]:
    """A simulated GA/T 1400 view library on 127.0.0.1."""
    sim = SimViid({LOCAL_ID: PASSWORD})
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()
