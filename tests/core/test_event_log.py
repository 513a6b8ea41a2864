"""Reading the event log: filters, paging, one event, a missing one."""

from __future__ import annotations

import asyncio

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


async def test_a_kind_family_is_merged_newest_first_across_its_kinds(platform: Platform) -> None:
    order = ["device.fault", "device.offline", "device.fault", "device.online", "video.loss"]
    for i, kind in enumerate(order):
        await platform.pipeline.submit(Event.create(kind, f"S{i}"))
        await asyncio.sleep(0.002)  # ids sort by millisecond: one each
    with platform.read_session() as s:
        items, nxt = event_log.page(s, EventFilter(kind="device.*", limit=2))
        rest, end = event_log.page(s, EventFilter(kind="device.*", limit=2, before=nxt))
    assert [i["source"] for i in items + rest] == ["S3", "S2", "S1", "S0"]
    assert nxt == items[-1]["id"] and end is None
