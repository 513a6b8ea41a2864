"""Duty shifts: one on duty at a time, the duty log, and a hand-over signed by two people
that hands over the open items and the alarms the outgoing operator held."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core import alarm_service
from anfang.core.alarm_rules import Step
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.models import Alarm, EventRow, User
from anfang.subsystems.center import queries, shifts
from anfang.subsystems.center.schemas import AcceptIn, HandoverIn, LogIn


def _users(ctx: WriteContext) -> None:
    for name in ("li", "zhao"):
        ctx.session.add(User(username=name, password_hash="x", role="operator"))


async def test_a_shift_is_handed_over_by_two_people(platform: Platform) -> None:
    await platform.writer.run(_users)
    with pytest.raises(shifts.DutyRefused) as none:
        await shifts.add_log(platform, "user:li", LogIn(text="x"))
    assert none.value.code == "no_shift"
    first = await shifts.start(platform, "user:li")
    assert (await shifts.start(platform, "user:li")).id == first.id  # again: the same shift
    with pytest.raises(shifts.DutyRefused) as taken:
        await shifts.start(platform, "user:zhao")
    assert taken.value.code == "shift_taken" and taken.value.params == {"by": "user:li"}
    await shifts.add_log(platform, "user:li", LogIn(category="call", text="3号楼住户来电"))
    await shifts.add_log(platform, "user:li", LogIn(text="东门道闸抬杆慢，已报修", open=True))

    await platform.pipeline.submit(Event.create("perimeter.intrusion", "PZ-09"))
    alarm_id = alarm_service.open_queue(platform.alarms)[0]["id"]
    await alarm_service.step(
        platform.writer, platform.alarms, alarm_id, Step("acknowledge", "user:li")
    )

    with pytest.raises(shifts.DutyRefused) as not_yours:
        await shifts.handover(platform, "user:zhao", first.id, HandoverIn())
    assert not_yours.value.code == "not_yours"
    out = await shifts.handover(platform, "user:li", first.id, HandoverIn(note="夜班注意东门"))
    kinds = [(i["kind"], i["title"]) for i in out.open_items]
    assert ("note", "东门道闸抬杆慢，已报修") in kinds and kinds[0][0] == "alarm"
    with pytest.raises(shifts.DutyRefused) as same:
        await shifts.accept(platform, "user:li", first.id, AcceptIn())
    assert same.value.code == "same_person"
    nxt = await shifts.accept(platform, "user:zhao", first.id, AcceptIn(note="已接班"))
    assert nxt.operator == "user:zhao" and nxt.state == "on_duty"
    with pytest.raises(shifts.DutyRefused):
        await shifts.accept(platform, "user:zhao", first.id, AcceptIn())

    with platform.read_session() as s:
        old = queries.shift_log(s, first.id)
        assert old.shift.state == "closed" and old.shift.accepted_by == "user:zhao"
        assert old.shift.next_shift_id == nxt.id
        assert [e.category for e in old.entries] == ["call", "note"]
        assert old.alarms_raised == 1 and old.counts["perimeter"] == 1
        assert s.get(Alarm, alarm_id).assignee == "user:zhao"  # type: ignore[union-attr]
        assert s.scalar(select(EventRow).where(EventRow.kind == "center.handover")) is not None
        assert queries.on_duty(s).operator == "user:zhao"  # type: ignore[union-attr]


async def test_a_hand_over_to_someone_is_theirs_to_accept(platform: Platform) -> None:
    await platform.writer.run(_users)
    first = await shifts.start(platform, "user:li")
    await shifts.handover(platform, "user:li", first.id, HandoverIn(to="zhao"))
    with pytest.raises(shifts.DutyRefused) as other:
        await shifts.accept(platform, "user:admin", first.id, AcceptIn())
    assert other.value.code == "not_yours"
    assert (await shifts.accept(platform, "user:zhao", first.id, AcceptIn())).state == "on_duty"
