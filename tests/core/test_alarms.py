"""Alarm engine: latching, repeats attach, schedules, escalation, workflow rules."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.alarm_rules import AlarmStepRefused, Step
from anfang.core.escalation import escalate_due
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.models import Alarm, AlarmDefinition, AlarmEvent, AlarmTransition, EventRow

TZ = ZoneInfo("Asia/Shanghai")


def _alarms(p: Platform) -> list[Alarm]:
    with p.read_session() as s:
        return list(s.scalars(select(Alarm).order_by(Alarm.id)))


async def _step(p: Platform, alarm_id: str, action: str) -> None:
    step = Step(action, "user:t", action)
    await p.writer.run(lambda ctx: p.alarms.transition(ctx, alarm_id, step))


async def test_repeats_attach_to_the_open_alarm_and_restore_does_not_clear(
    platform: Platform,
) -> None:
    for _ in range(3):
        await platform.pipeline.submit(Event.create("perimeter.intrusion", "PZ-03"))
    await platform.pipeline.submit(Event.create("perimeter.restore", "PZ-03"))
    alarms = _alarms(platform)
    assert len(alarms) == 1
    assert alarms[0].event_count == 3 and alarms[0].state == "new"
    with platform.read_session() as s:
        assert len(list(s.scalars(select(AlarmEvent)))) == 3
    # another source gets its own alarm
    await platform.pipeline.submit(Event.create("perimeter.intrusion", "PZ-04"))
    assert len(_alarms(platform)) == 2


async def test_after_resolution_a_new_event_raises_a_new_alarm(platform: Platform) -> None:
    await platform.pipeline.submit(Event.create("home_alarm.panic", "ACCT-1001"))
    first = _alarms(platform)[0]
    await _step(platform, first.id, "acknowledge")
    await platform.pipeline.submit(Event.create("home_alarm.panic", "ACCT-1001"))
    assert len(_alarms(platform)) == 1  # still open (acknowledged): attached
    await _step(platform, first.id, "resolve")
    await platform.pipeline.submit(Event.create("home_alarm.panic", "ACCT-1001"))
    alarms = _alarms(platform)
    assert [a.state for a in alarms] == ["resolved", "new"]


async def test_closing_a_new_alarm_acknowledges_it_first_and_closed_stays_closed(
    platform: Platform,
) -> None:
    await platform.pipeline.submit(Event.create("home_alarm.fire", "ACCT-9"))
    alarm = _alarms(platform)[0]
    await _step(platform, alarm.id, "false_alarm")
    closed = _alarms(platform)[0]
    assert closed.state == "false_alarm" and closed.disposition == "false"
    assert closed.cause == "unknown" and closed.acked_at is not None
    assert closed.closed_at is not None and closed.assignee == "user:t"
    with platform.read_session() as s:
        steps = list(
            s.scalars(
                select(AlarmTransition)
                .where(AlarmTransition.alarm_id == alarm.id)
                .order_by(AlarmTransition.id)
            )
        )
    assert [(t.code, t.to_state) for t in steps] == [
        ("raised", "new"),
        ("implied_ack", "acknowledged"),
        ("false_alarm", "false_alarm"),
    ]
    assert steps[-1].note == "false_alarm" and steps[1].note == ""
    with pytest.raises(AlarmStepRefused) as refused:
        await _step(platform, alarm.id, "acknowledge")
    assert refused.value.code == "alarm_closed"
    assert (refused.value.params or {})["by"] == "user:t"
    await _step(platform, alarm.id, "note")  # a note may still be added to a closed alarm


async def test_info_events_raise_nothing(platform: Platform) -> None:
    await platform.pipeline.submit(Event.create("access.granted", "GATE-1"))
    assert _alarms(platform) == []


async def test_escalation_of_unacknowledged_alarm(platform: Platform) -> None:
    def short_limit(ctx: WriteContext) -> None:
        for d in ctx.session.scalars(select(AlarmDefinition)):
            d.ack_timeout_s = 0
        ctx.mark_changed("alarm_definitions")

    await platform.writer.run(short_limit)
    await platform.pipeline.submit(Event.create("home_alarm.burglary", "ACCT-7"))
    before = _alarms(platform)[0]

    def escalate(ctx: WriteContext) -> list[str]:
        return escalate_due(platform.alarms, ctx, 2)

    assert await platform.writer.run(escalate) == [before.id]
    after = _alarms(platform)[0]
    # Escalation notifies; it never raises the priority (that buried new alarms).
    assert after.escalation_level == 1 and after.priority == before.priority
    assert await platform.writer.run(escalate) == [before.id]
    assert await platform.writer.run(escalate) == []  # bounded: level 2 is the last
    assert _alarms(platform)[0].escalation_level == 2
    with platform.read_session() as s:
        kinds = list(s.scalars(select(EventRow.kind).where(EventRow.kind == "alarm.escalated")))
    assert len(kinds) == 2
    await _step(platform, after.id, "acknowledge")


async def test_definition_schedule_and_device_filter(platform: Platform) -> None:
    def only_night_gate7(ctx: WriteContext) -> None:
        for d in ctx.session.scalars(select(AlarmDefinition)):
            d.enabled = False
        ctx.session.add(
            AlarmDefinition(
                name="夜间门禁拒绝",
                kinds=["access.denied"],
                device_codes=["GATE-7"],
                priority=4,
                schedule=[{"days": [1, 2, 3, 4, 5, 6, 7], "start": "22:00", "end": "06:00"}],
            )
        )
        ctx.mark_changed("alarm_definitions")

    await platform.writer.run(only_night_gate7)
    night = datetime(2026, 11, 23, 23, 30, tzinfo=TZ)
    day = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
    await platform.pipeline.submit(Event.create("access.denied", "GATE-7", occurred_at=day))
    await platform.pipeline.submit(Event.create("access.denied", "GATE-8", occurred_at=night))
    assert _alarms(platform) == []
    await platform.pipeline.submit(Event.create("access.denied", "GATE-7", occurred_at=night))
    assert len(_alarms(platform)) == 1


async def test_a_storm_in_one_batch_raises_once_and_counts_every_event(
    platform: Platform,
) -> None:
    sub = await platform.bus.subscribe("alarms.changed")
    burst = [Event.create("perimeter.intrusion", f"PZ-{i % 3}") for i in range(30)]
    await platform.pipeline.submit_many(burst)
    await platform.pipeline.submit(Event.create("perimeter.intrusion", "PZ-0"))
    alarms = _alarms(platform)
    assert len(alarms) == 3
    assert sorted(a.event_count for a in alarms) == [10, 10, 11]
    with platform.read_session() as s:
        assert len(list(s.scalars(select(AlarmEvent)))) == 31
    # the last change published for PZ-0 carries the stored count
    seen = await sub.batch(1000)
    last_pz0 = [m.data for m in seen if m.data["source"] == "PZ-0"][-1]
    assert last_pz0["event_count"] == 11
    await sub.close()


async def test_events_a_hook_marks_are_stored_without_raising(platform: Platform) -> None:
    class Silence:
        """A writer hook that marks every burglary, as home_alarm does for disarmed ones."""

        def load(self, session: object) -> None: ...
        def on_changed(self, ctx: WriteContext, topics: set[str]) -> None: ...
        def after_insert(self, ctx: WriteContext, events: list[Event]) -> None: ...

        def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
            for ev in events:
                if ev.kind == "home_alarm.burglary":
                    platform.alarms.skip_alarm.add(ev.id)
            return []

    hook = Silence()
    platform.writer.hooks.append(hook)
    try:
        burglary = Event.create("home_alarm.burglary", "ACCT-5")
        await platform.pipeline.submit_many([burglary, Event.create("home_alarm.panic", "ACCT-5")])
    finally:
        platform.writer.hooks.remove(hook)
    assert [a.kind for a in _alarms(platform)] == ["home_alarm.panic"]
    assert platform.alarms.skip_alarm == set()  # emptied once the batch is done
    await platform.pipeline.submit(Event.create("home_alarm.burglary", "ACCT-5"))
    assert len(_alarms(platform)) == 2  # unmarked: raises as usual
