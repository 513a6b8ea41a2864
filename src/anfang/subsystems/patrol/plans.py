"""When rounds are due, pure: a schedule and a day in, the planned start times out.

A schedule says on which ISO weekdays (1 = Monday … 7 = Sunday) its route is walked, at
which local times (``times``) and/or every ``every_min`` minutes from ``from_time`` to
``until_time`` (a recurrence across midnight belongs to the day it started), between
optional first and last dates, and whether it also runs on the site's holidays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_ROUNDS_PER_DAY = 96  # every 15 min around the clock


@dataclass(frozen=True, slots=True)
class Recurrence:
    """The parts of a schedule that decide its start times."""

    days: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    times: tuple[str, ...] = ()
    every_min: int | None = None
    from_time: str = "00:00"
    until_time: str = "23:59"
    valid_from: date | None = None
    valid_until: date | None = None
    on_holidays: bool = True
    holidays: frozenset[date] = field(default_factory=frozenset)


def _minutes(hhmm: str) -> int:
    t = time.fromisoformat(hhmm)
    return t.hour * 60 + t.minute


def start_minutes(rec: Recurrence) -> list[int]:
    """The start times of one day, in minutes after local midnight (may pass 24 h when a
    recurrence crosses midnight), sorted, each once, at most :data:`MAX_ROUNDS_PER_DAY`."""
    out = {_minutes(t) for t in rec.times}
    if rec.every_min:
        first, last = _minutes(rec.from_time), _minutes(rec.until_time)
        if last < first:
            last += 24 * 60
        out.update(range(first, last + 1, rec.every_min))
    return sorted(out)[:MAX_ROUNDS_PER_DAY]


def runs_on(rec: Recurrence, day: date) -> bool:
    """Whether the schedule has rounds that start on ``day``."""
    if rec.valid_from is not None and day < rec.valid_from:
        return False
    if rec.valid_until is not None and day > rec.valid_until:
        return False
    if day in rec.holidays and not rec.on_holidays:
        return False
    return day.isoweekday() in rec.days


def starts_on(rec: Recurrence, day: date, tz: ZoneInfo) -> list[datetime]:
    """The planned starts of the rounds of ``day`` (aware, in ``tz``)."""
    if not runs_on(rec, day):
        return []
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    # Wall-clock minutes: China has no daylight saving, other zones get the local time.
    return [
        (midnight.replace(tzinfo=None) + timedelta(minutes=m)).replace(tzinfo=tz)
        for m in start_minutes(rec)
    ]


def days_between(first: date, last: date) -> Iterable[date]:
    """Every day from ``first`` to ``last`` inclusive."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
