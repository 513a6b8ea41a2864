"""The simulated device against the real app over real sockets."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import uvicorn
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.ingest.sim_device import SimulatedHttpDevice
from anfang.store.models import EventRow
from tests.conftest import make_settings
from tests.ingest.conftest import add_device, ingest_app, serve, until

SECRET = "sim-secret-0001"


def count(platform: Platform, source: str | None = None) -> int:
    q = select(func.count()).select_from(EventRow)
    if source is not None:
        q = q.where(EventRow.source == source)
    with platform.read_session() as s:
        return s.scalar(q) or 0


async def test_device_keeps_events_until_the_server_comes_up(platform: Platform) -> None:
    await add_device(platform, "GATE-1", SECRET)
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there yet: the device gets connection errors
    dev = SimulatedHttpDevice(
        f"http://127.0.0.1:{port}",
        "GATE-1",
        SECRET,
        heartbeat_s=None,
        backoff_initial_s=0.05,
        backoff_max_s=0.2,
    )
    await dev.start()
    ids = [dev.emit("access.granted", {"n": n}) for n in range(10)]
    await until(lambda: dev.stats.retries >= 3)
    assert dev.pending == 10 and not dev.acked

    sock = socket.create_server(("127.0.0.1", port))
    server = uvicorn.Server(
        uvicorn.Config(ingest_app(platform), lifespan="off", log_level="warning")
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        assert await dev.drain(within_s=15)
        assert set(dev.acked) == set(ids)
        assert count(platform, "GATE-1") == 10
    finally:
        await dev.stop()
        server.should_exit = True
        await serving


async def test_refused_events_are_dropped_not_retried_forever(
    platform: Platform, live_url: str
) -> None:
    await add_device(platform, "GATE-1", SECRET)
    dev = SimulatedHttpDevice(live_url, "GATE-1", SECRET, heartbeat_s=None)
    await dev.start()
    dev.emit("no_such.kind")
    assert await dev.drain(within_s=10)
    good = dev.emit("access.denied")
    assert await dev.drain(within_s=10)
    await dev.stop()
    assert len(dev.stats.rejected) == 1 and "unknown event kind" in dev.stats.rejected[0]
    assert list(dev.acked) == [good]


async def test_too_large_batches_are_split(tmp_path: Path) -> None:
    platform = Platform(make_settings(tmp_path, max_body_bytes=2048))
    await platform.start()
    try:
        url, server, serving = await serve(ingest_app(platform))
        await add_device(platform, "GATE-1", SECRET)
        dev = SimulatedHttpDevice(url, "GATE-1", SECRET, heartbeat_s=None, batch_max=64)
        for n in range(40):
            dev.emit("access.granted", {"person": "欧阳娜", "n": n})
        await dev.start()
        assert await dev.drain(within_s=15)
        await dev.stop()
        assert dev.stats.acked == 40 and not dev.stats.rejected
        assert count(platform, "GATE-1") == 40
        server.should_exit = True
        await serving
    finally:
        await platform.stop()
