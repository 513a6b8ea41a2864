"""Schedules to planned starts: weekdays, fixed times, recurrences (also across midnight),
validity dates and holidays."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.patrol.plans import (
    MAX_ROUNDS_PER_DAY,
    Recurrence,
    days_between,
    runs_on,
    start_minutes,
    starts_on,
)

TZ = ZoneInfo("Asia/Shanghai")
MON = date(2026, 12, 7)


def test_fixed_times_and_recurrence_merge() -> None:
    rec = Recurrence(times=("08:00", "20:00"), every_min=120, from_time="06:00", until_time="10:00")
    assert start_minutes(rec) == [360, 480, 600, 1200]
    starts = starts_on(rec, MON, TZ)
    assert starts[0] == datetime(2026, 12, 7, 6, 0, tzinfo=TZ)
    assert all(s.tzinfo is TZ for s in starts)


def test_a_night_recurrence_crosses_midnight() -> None:
    rec = Recurrence(every_min=60, from_time="22:00", until_time="02:00")
    starts = starts_on(rec, MON, TZ)
    assert [s.strftime("%d %H:%M") for s in starts] == [
        "07 22:00", "07 23:00", "08 00:00", "08 01:00", "08 02:00",
    ]  # fmt: skip


def test_days_dates_and_holidays() -> None:
    weekdays = Recurrence(days=(1, 2, 3, 4, 5), times=("09:00",))
    assert runs_on(weekdays, MON) and not runs_on(weekdays, date(2026, 12, 6))  # Sunday
    dated = Recurrence(
        times=("09:00",), valid_from=date(2026, 12, 8), valid_until=date(2026, 12, 9)
    )
    assert [d.day for d in days_between(MON, date(2026, 12, 10)) if runs_on(dated, d)] == [8, 9]
    off = Recurrence(times=("09:00",), on_holidays=False, holidays=frozenset({MON}))
    assert starts_on(off, MON, TZ) == []
    on = Recurrence(times=("09:00",), holidays=frozenset({MON}))
    assert len(starts_on(on, MON, TZ)) == 1


@given(
    st.lists(st.times().map(lambda t: t.strftime("%H:%M")), max_size=30),
    st.one_of(st.none(), st.integers(15, 1440)),
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.times().map(lambda t: t.strftime("%H:%M")),
)
def test_starts_are_sorted_unique_and_bounded(
    times: list[str], every: int | None, first: str, last: str
) -> None:
    rec = Recurrence(times=tuple(times), every_min=every, from_time=first, until_time=last)
    mins = start_minutes(rec)
    assert mins == sorted(set(mins)) and len(mins) <= MAX_ROUNDS_PER_DAY
    assert all(0 <= m < 48 * 60 for m in mins)
