"""A forced door asks video for a snapshot and a clip from the cameras nearest to it, once."""

from __future__ import annotations

import asyncio
from typing import Any

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.core.linkage import LinkageRequest
from anfang.core.writer import WriteContext
from anfang.store.models import Device, Site


async def test_forced_door_links_its_nearest_cameras_once(platform: Platform) -> None:
    made: list[LinkageRequest] = []

    async def record(req: LinkageRequest) -> list[dict[str, Any]]:
        made.append(req)
        return []

    for action in ("snapshot", "clip"):
        platform.linkage.unregister(action)
        platform.linkage.register(action, record)

    def build(ctx: WriteContext) -> None:
        site = Site(code="S", name="小区")
        ctx.session.add(site)
        ctx.session.flush()
        for code, typ, x, y in (
            ("DOOR-1", "door_reader", 0.0, 0.0),
            ("CAM-NEAR", "camera", 3.0, 0.0),
            ("CAM-MID", "camera", 0.0, 10.0),
            ("CAM-FAR", "camera", 500.0, 500.0),
        ):
            sub = "video" if typ == "camera" else "access"
            ctx.session.add(
                Device(site_id=site.id, code=code, name=code, type=typ, subsystem=sub,
                       map_x=x, map_y=y)
            )  # fmt: skip
        ctx.mark_changed("devices")

    await platform.writer.run(build)
    await platform.pipeline.submit(Event.create("access.door_forced", "DOOR-1"))
    await platform.pipeline.submit(Event.create("access.door_forced", "DOOR-1"))  # a repeat
    async with asyncio.timeout(5):
        while len(made) < 2:  # noqa: ASYNC110 - the linker runs on its own task
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # a repeat must not link again; give it the chance to
    assert [r.action for r in made] == ["snapshot", "clip"]
    assert made[0].cameras == ("CAM-NEAR", "CAM-MID")
    assert made[1].params == {"pre_s": 10, "post_s": 20}
    assert made[0].alarm_id == made[1].alarm_id
