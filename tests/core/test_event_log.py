"""Reading the event log: filters, paging, one event, a missing one."""

from __future__ import annotations

import pytest

from anfang.app.platform import Platform
from anfang.core import event_log
from anfang.core.event_log import EventFilter, EventNotFound
from anfang.core.events import Event


async def test_page_filters_and_pages(platform: Platform) -> None:
    for i in range(5):
        await platform.pipeline.submit(Event.create("device.fault", f"D{i % 2}"))
    await platform.pipeline.submit(Event.create("video.loss", "CAM"))
    with platform.read_session() as s:
        items, nxt = event_log.page(s, EventFilter(kind="device.*", limit=3))
        assert [i["kind"] for i in items] == ["device.fault"] * 3 and nxt == items[-1]["id"]
        rest, end = event_log.page(s, EventFilter(kind="device.*", before=nxt, limit=3))
        assert len(rest) == 2 and end is None
        only, _ = event_log.page(s, EventFilter(source="D1"))
        assert {i["source"] for i in only} == {"D1"} and len(only) == 2
        assert event_log.get(s, items[0]["id"])["id"] == items[0]["id"]
        with pytest.raises(EventNotFound) as info:
            event_log.get(s, "0" * 26)
        assert info.value.status == 404
