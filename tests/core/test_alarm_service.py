"""The alarm queue and definitions as the API uses them."""

from __future__ import annotations

import pytest

from anfang.app.platform import Platform
from anfang.core import alarm_service as svc
from anfang.core.alarm_rules import AlarmStepRefused, Step
from anfang.core.alarms import AlarmNotFound
from anfang.core.events import Event


async def test_queue_detail_steps_and_definitions(platform: Platform) -> None:
    await platform.pipeline.submit(Event.create("perimeter.intrusion", "BEAM-1"))
    with platform.read_session() as s:
        items, _ = svc.page(s, platform.alarms, svc.AlarmFilter(state="open"))
    assert len(items) == 1 and items[0]["state"] == "new"
    alarm_id = items[0]["id"]
    w, a = platform.writer, platform.alarms
    await svc.step(w, a, alarm_id, Step("acknowledge", "user:x", "on it"))
    with pytest.raises(AlarmStepRefused) as bad:
        await svc.step(w, a, alarm_id, Step("acknowledge", "user:y"))
    assert bad.value.status == 409 and bad.value.code == "alarm_held"
    assert svc.open_queue(a)[0]["assignee"] == "user:x"
    with platform.read_session() as s:
        out = svc.detail(s, a, alarm_id)
        assert [t["to_state"] for t in out["transitions"]][-1] == "acknowledged"
        assert out["events"][0]["kind"] == "perimeter.intrusion"
        assert [t["code"] for t in out["transitions"]] == ["raised", "acknowledge"]
        assert out["context"] == []  # BEAM-1 is no device of the site
        with pytest.raises(AlarmNotFound):
            svc.detail(s, a, "0" * 26)
        before = len(svc.definitions(s))
    data = {"name": "测试", "kinds": ["video.loss"], "priority": 2}
    made = await svc.create_definition(w, a, "user:x", data)
    changed = await svc.update_definition(w, a, "user:x", made["id"], {**data, "priority": 1})
    assert changed["priority"] == 1
    with pytest.raises(svc.DefinitionNotFound):
        await svc.update_definition(w, a, "user:x", 99_999, data)
    with platform.read_session() as s:
        assert len(svc.definitions(s)) == before + 1


async def test_the_queue_puts_the_newest_unacknowledged_first_within_a_priority(
    platform: Platform,
) -> None:
    for source in ("PZ-1", "PZ-2", "PZ-3"):
        await platform.pipeline.submit(Event.create("perimeter.intrusion", source))
    w, a = platform.writer, platform.alarms
    ids = {x["source"]: x["id"] for x in svc.open_queue(a)}
    await svc.step(w, a, ids["PZ-3"], Step("acknowledge", "user:x"))
    order = [x["source"] for x in svc.open_queue(a)]
    assert order == ["PZ-2", "PZ-1", "PZ-3"]
    names = {c["code"] for c in svc.causes()["false_causes"]}
    assert {"animal", "weather", "unknown"} <= names
