"""The alarm history: every filter narrows, pages run newest first."""

from __future__ import annotations

from datetime import timedelta

from anfang.app.platform import Platform
from anfang.core import alarm_service
from anfang.core.alarm_rules import Step
from anfang.core.events import Event
from anfang.store.base import utcnow
from anfang.subsystems.center.history import HistoryFilter, search


async def test_filters_and_pages(platform: Platform) -> None:
    for source in ("PZ-1", "PZ-2", "PZ-3"):
        await platform.pipeline.submit(Event.create("perimeter.intrusion", source))
    await platform.pipeline.submit(Event.create("home_alarm.fire", "SIA-77"))
    ids = {a["source"]: a["id"] for a in alarm_service.open_queue(platform.alarms)}
    step = Step("false_alarm", "user:a", "风", cause="weather")
    await alarm_service.step(platform.writer, platform.alarms, ids["PZ-2"], step)

    def run(**kw: object) -> list[str]:
        with platform.read_session() as s:
            items, _ = search(s, platform.alarms, HistoryFilter(**kw))  # type: ignore[arg-type]
        return [i["source"] for i in items]

    assert run() == ["SIA-77", "PZ-3", "PZ-2", "PZ-1"]
    assert run(kind="perimeter.*") == ["PZ-3", "PZ-2", "PZ-1"]
    assert run(kind="home_alarm.fire") == ["SIA-77"]
    assert run(disposition="false") == ["PZ-2"] == run(state="closed")
    assert run(state="open") == ["SIA-77", "PZ-3", "PZ-1"]
    assert run(text="PZ-3") == ["PZ-3"]
    assert run(since=utcnow() + timedelta(minutes=1)) == []
    assert run(household_id=1) == []  # no panel of household 1
    with platform.read_session() as s:
        _, nxt = search(s, platform.alarms, HistoryFilter(limit=3))
        assert nxt is not None
        rest, end = search(s, platform.alarms, HistoryFilter(limit=3, before=nxt))
    assert [i["source"] for i in rest] == ["PZ-1"] and end is None
