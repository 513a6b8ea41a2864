"""Round evaluation: every verdict the console shows, from the plan, the check-ins and the
time alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.patrol.rounds import Plan, Visit, VisitIndex, evaluate

T0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
# Four points 0, 5, 10, 15 minutes after the start; 2 min tolerance, 5 min start window.
PLAN = Plan(T0, (1, 2, 3, 4), (0.0, 5.0, 10.0, 15.0), tolerance_min=2, start_window_min=5)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def visits(*pairs: tuple[int, float], guard: str | None = None) -> VisitIndex:
    return VisitIndex([Visit(i, cp, at(m), guard) for i, (cp, m) in enumerate(pairs, 1)])


def statuses(
    plan: Plan, index: VisitIndex, now: float, guard: str | None = None
) -> tuple[str, list[str]]:
    st = evaluate(plan, index, at(now), guard)
    return st.status, [p.status for p in st.points]


def test_before_and_around_the_start() -> None:
    empty = VisitIndex([])
    assert statuses(PLAN, empty, -10)[0] == "scheduled"
    assert statuses(PLAN, empty, 3)[0] == "waiting"
    status, points = statuses(PLAN, empty, 6)
    assert status == "not_started" and points == ["pending"] * 4
    st = evaluate(PLAN, empty, at(60))
    assert st.status == "not_started" and st.finished and st.compliance == 0.0


def test_an_on_time_round() -> None:
    idx = visits((1, 0.5), (2, 5.5), (3, 11), (4, 16))
    assert statuses(PLAN, idx, 8) == ("on_time", ["on_time", "on_time", "pending", "pending"])
    st = evaluate(PLAN, idx, at(16.5))
    assert st.status == "on_time" and st.finished and st.compliance == 1.0
    assert st.started_at == at(0.5) and not st.started_late


def test_late_points_and_a_late_start() -> None:
    idx = visits((1, 0), (2, 9), (3, 14), (4, 19))  # 4 min behind from point 2 on
    status, points = statuses(PLAN, idx, 30)
    assert status == "late" and points == ["on_time", "late", "late", "late"]
    late_start = visits((1, 7), (2, 12), (3, 17), (4, 22))  # 2 min past the start window
    st = evaluate(PLAN, late_start, at(30))
    assert st.status == "late" and st.started_late
    assert [p.status for p in st.points] == ["on_time"] * 4  # judged from the real start


def test_overdue_then_missed_when_the_guard_moves_on_or_time_is_up() -> None:
    idx = visits((1, 0), (2, 5))
    assert statuses(PLAN, idx, 13) == ("late", ["on_time", "on_time", "overdue", "pending"])
    skipped = visits((1, 0), (2, 5), (4, 14))
    assert statuses(PLAN, skipped, 14.5)[1] == ["on_time", "on_time", "missed", "on_time"]
    st = evaluate(PLAN, skipped, at(14.5))
    assert st.status == "missed" and st.finished


def test_grace_waits_for_readers_that_upload_later() -> None:
    plan = Plan(T0, (1, 2, 3, 4), (0.0, 5.0, 10.0, 15.0), 2, 5, grace_min=30)
    skipped = visits((1, 0), (2, 5), (4, 14))
    assert statuses(plan, skipped, 20)[1][2] == "overdue"
    assert statuses(plan, skipped, 45)[1][2] == "missed"


def test_out_of_order() -> None:
    idx = visits((1, 0), (3, 4), (2, 6), (4, 15))
    st = evaluate(PLAN, idx, at(30))
    assert st.status == "out_of_order"
    assert [p.out_of_order for p in st.points] == [False, True, False, False]


def test_abandoned_when_the_tail_is_never_walked() -> None:
    idx = visits((1, 0), (2, 5))
    st = evaluate(PLAN, idx, at(60))
    assert st.status == "abandoned" and st.finished
    assert [p.status for p in st.points] == ["on_time", "on_time", "missed", "missed"]


def test_another_guards_swipes_do_not_count_for_an_assigned_round() -> None:
    idx = visits((1, 0), (2, 5), (3, 10), (4, 15), guard="G02")
    assert statuses(PLAN, idx, 30, guard="G01")[0] == "not_started"
    assert statuses(PLAN, idx, 30, guard="G02")[0] == "on_time"


def test_a_route_through_one_checkpoint_twice() -> None:
    plan = Plan(T0, (1, 2, 1), (0.0, 5.0, 10.0), 2, 5)
    st = evaluate(plan, visits((1, 0), (2, 5), (1, 10)), at(30))
    assert st.status == "on_time" and [p.checkin_id for p in st.points] == [1, 2, 3]


def test_swipes_outside_the_round_are_ignored() -> None:
    idx = visits((1, -30), (1, 200))
    assert statuses(PLAN, idx, 300)[0] == "not_started"


@given(
    st.lists(st.tuples(st.integers(1, 5), st.floats(-20, 80)), max_size=12),
    st.floats(-20, 120),
)
def test_any_check_ins_give_a_consistent_state(pairs: list[tuple[int, float]], now: float) -> None:
    idx = VisitIndex([Visit(i, cp, at(m)) for i, (cp, m) in enumerate(pairs)])
    st = evaluate(PLAN, idx, at(now))
    assert len(st.points) == 4
    used = [p.checkin_id for p in st.points if p.checkin_id is not None]
    assert len(used) == len(set(used))  # a check-in counts for one point at most
    assert all(p.visited_at is None or p.visited_at <= at(now) for p in st.points)
    assert 0.0 <= st.compliance <= 1.0
    if st.finished:
        assert all(p.status in ("on_time", "late", "missed", "pending") for p in st.points)
