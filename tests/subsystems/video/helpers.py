"""Shared helpers of the video tests: camera devices, waiting on conditions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.models import Device, Site

T = TypeVar("T")


async def add_devices(platform: Platform, codes: list[str], dev_type: str = "camera") -> None:
    """Create a site (once) and one device of ``dev_type`` per code."""

    def job(ctx: WriteContext) -> None:
        site_id = ctx.session.scalar(select(Site.id).limit(1))
        if site_id is None:
            site = Site(code="t", name="test site")
            ctx.session.add(site)
            ctx.session.flush()
            site_id = site.id
        for code in codes:
            ctx.session.add(
                Device(site_id=site_id, code=code, name=code, type=dev_type, subsystem="video")
            )
        ctx.mark_changed("devices")

    await platform.writer.run(job)


async def wait_for(
    probe: Callable[[], Awaitable[T | None]], limit: float = 20.0, what: str = "condition"
) -> T:
    """Poll ``probe`` until it returns something truthy (or fail after ``limit`` s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        got = await probe()
        if got:
            return got
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
