"""Fixtures for the HTTP push tests: the app with the ingest router, a live server, devices."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.models import Device, Site

INGEST = "/api/v1/ingest/events"
HEARTBEAT = "/api/v1/ingest/heartbeat"


def ingest_app(platform: Platform) -> FastAPI:
    """The real app (the ingest router is in the registry)."""
    return create_app(platform.settings, platform=platform)


async def add_device(
    platform: Platform,
    code: str,
    secret: str,
    *,
    enabled: bool = True,
    interval: int | None = None,
    subsystem: str = "access",
    meta: dict[str, object] | None = None,
) -> None:
    """Register a device (and a site, if there is none) through the writer."""

    def job(ctx: WriteContext) -> None:
        site_id = ctx.session.scalar(select(Site.id).limit(1))
        if site_id is None:
            site = Site(code="t", name="测试小区")
            ctx.session.add(site)
            ctx.session.flush()
            site_id = site.id
        ctx.session.add(
            Device(
                site_id=site_id,
                code=code,
                name=code,
                type="gate",
                subsystem=subsystem,
                meta=meta or {},
                secret=secret,
                enabled=enabled,
                expected_interval_s=interval,
            )
        )
        ctx.mark_changed("devices")

    await platform.writer.run(job)


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of the app with the ingest router."""
    transport = httpx.ASGITransport(app=ingest_app(platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://anfang.test") as c:
        yield c


async def until(cond: Callable[[], bool], within_s: float = 15.0) -> None:
    """Wait until ``cond()`` holds, failing the test after ``within_s`` seconds."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        if cond():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within_s} s")
        await asyncio.sleep(0.05)


async def serve(app: FastAPI) -> tuple[str, uvicorn.Server, asyncio.Task[None]]:
    """Serve ``app`` with uvicorn on a free local port; returns its base URL."""
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return f"http://127.0.0.1:{port}", server, task


@pytest.fixture
async def live_url(platform: Platform) -> AsyncIterator[str]:
    """The base URL of the app served over a real socket."""
    url, server, task = await serve(ingest_app(platform))
    try:
        yield url
    finally:
        server.should_exit = True
        await task
