"""The round clock: rounds planned from the schedules, judged from the check-ins, alarms
for a missed point raised once, a late upload filling the round in, and an edit of the
route reaching only the rounds not yet started."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.base import utcnow
from anfang.store.models import Alarm, EventRow
from anfang.subsystems.patrol.models import PatrolRound
from tests.subsystems.patrol.conftest import Tour, backdate, rounds, swipe


def events(platform: Platform, kind: str) -> list[EventRow]:
    with platform.read_session() as s:
        return list(s.scalars(select(EventRow).where(EventRow.kind == kind)))


async def test_a_skipped_point_is_missed_alarmed_once_then_filled_in(
    platform: Platform, tour: Tour
) -> None:
    await tour.push(("a", swipe(1), 0.5), ("b", swipe(2), 5.5), ("d", swipe(4), 15.5))
    assert await tour.patrol.tick() == 1
    (rnd,) = await rounds(tour)
    assert rnd["status"] == "missed" and rnd["finished"]
    assert [p["status"] for p in rnd["points"]] == ["on_time", "on_time", "missed", "on_time"]
    assert rnd["guard"] == "张伟" and rnd["points"][2]["checkpoint"] == "巡更点3"
    (missed,) = events(platform, "patrol.missed")
    assert missed.payload["seq"] == 3 and missed.payload["checkpoint"] == "巡更点3"
    with platform.read_session() as s:
        (alarm,) = s.scalars(select(Alarm)).all()
    assert alarm.priority == 3
    assert await tour.patrol.tick() == 0  # nothing new: no second event
    assert len(events(platform, "patrol.missed")) == 1
    # The reader that held point 3's swipe is docked: the round is filled in.
    await tour.push(("c", swipe(3), 10.5))
    await tour.patrol.tick()
    (rnd,) = await rounds(tour)
    assert rnd["status"] == "on_time" and rnd["points_on_time"] == 4
    assert len(events(platform, "patrol.missed")) == 1


async def test_a_round_never_started_raises_an_alarm(platform: Platform, tour: Tour) -> None:
    await tour.patrol.tick()
    (rnd,) = await rounds(tour)
    assert rnd["status"] == "not_started"
    (ev,) = events(platform, "patrol.not_started")
    assert ev.payload["guard"] == "G01"
    with platform.read_session() as s:
        assert len(s.scalars(select(Alarm)).all()) == 1


async def test_a_route_edit_reaches_only_rounds_not_started(platform: Platform, tour: Tour) -> None:
    now = utcnow().astimezone(tour.start.tzinfo)
    times = [
        tour.start.strftime("%H:%M"),
        (now - timedelta(minutes=3)).strftime("%H:%M"),
        (now + timedelta(minutes=40)).strftime("%H:%M"),
    ]
    if len({(now + timedelta(minutes=40)).date(), tour.start.date()}) > 1:
        return  # the test needs one local day (it is run near midnight)
    sched = {"route_id": tour.route_id, "name": "白班", "times": times, "start_window_min": 5}
    r = await tour.client.put(
        f"/api/v1/patrol/schedules/{tour.schedule_id}", json=sched, headers=tour.headers
    )
    assert r.status_code == 200, r.text
    await backdate(platform, tour.schedule_id, tour.start)
    await tour.push(("a", swipe(1), 27.5))  # the round of 3 minutes ago is under way
    await tour.patrol.tick()
    route = {
        "code": "R1", "name": "东线", "tolerance_min": 2,
        "points": [{"checkpoint_id": cp, "after_min": 3} for cp in tour.checkpoints[:2]],
    }  # fmt: skip
    r = await tour.client.put(
        f"/api/v1/patrol/routes/{tour.route_id}", json=route, headers=tour.headers
    )
    assert r.status_code == 200, r.text
    saved = r.json()
    # Replanned: today's round in 40 minutes and tomorrow's three; kept: the one under way.
    assert (saved["version"], saved["rounds_replanned"], saved["rounds_kept"]) == (2, 4, 1)
    await tour.patrol.tick()
    with platform.read_session() as s:
        rows = list(
            s.scalars(
                select(PatrolRound)
                .where(PatrolRound.day == tour.start.date())
                .order_by(PatrolRound.planned_start)
            )
        )
    assert [(r.route_version, r.points_total) for r in rows] == [(1, 4), (1, 4), (2, 2)]
