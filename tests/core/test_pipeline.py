"""The pipeline publishes only what is durable, in commit order."""

from __future__ import annotations

import asyncio

from anfang.app.platform import Platform
from anfang.core.bus import Message
from anfang.core.events import Event


async def test_published_after_commit_in_order(platform: Platform) -> None:
    sub = await platform.bus.subscribe("events.>")
    events = [Event.create("access.granted", "G", payload={"i": i}) for i in range(50)]
    stored = await platform.pipeline.submit_many(events)
    got: list[Message] = []
    async with asyncio.timeout(5):
        while len(got) < 50:
            got.extend(await sub.batch(100))
    assert [m.data["payload"]["i"] for m in got] == list(range(50))
    assert [m.data["id"] for m in got] == [s.event.id for s in stored]
    await sub.close()
