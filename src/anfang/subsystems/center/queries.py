"""Reading the duty record: shifts, the current one, and a shift's log with what the
platform itself saw in it (alarms raised and closed, patrols, visitors, access, cars)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from anfang.core.alarm_rules import OPEN_STATES
from anfang.core.errors import DomainError
from anfang.store.base import utcnow
from anfang.store.models import Alarm, EventRow
from anfang.subsystems.center.models import CenterLogEntry, CenterShift
from anfang.subsystems.center.schemas import LogOut, ShiftLog, ShiftOut
from anfang.subsystems.center.shifts import current

# What a shift's record counts, by kind prefix (a range each: see core/event_log.py).
GROUPS: dict[str, tuple[str, ...]] = {
    "patrol": ("patrol.",),
    "visitors": ("intercom.",),
    "access": ("access.",),
    "parking": ("parking.",),
    "perimeter": ("perimeter.",),
    "home_alarm": ("home_alarm.",),
    "video": ("video.",),
}


def shifts(s: Session, limit: int) -> list[ShiftOut]:
    """The latest shifts, newest first."""
    rows = s.scalars(select(CenterShift).order_by(CenterShift.id.desc()).limit(limit))
    return [ShiftOut.model_validate(r) for r in rows]


def on_duty(s: Session) -> ShiftOut | None:
    """The shift on duty now (or being handed over)."""
    row = current(s)
    return ShiftOut.model_validate(row) if row is not None else None


def _count_events(s: Session, start: datetime, end: datetime) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, prefixes in GROUPS.items():
        ranges = [(EventRow.kind >= p) & (EventRow.kind < p[:-1] + "/") for p in prefixes]
        n = s.scalar(
            select(func.count())
            .select_from(EventRow)
            .where(EventRow.occurred_at >= start, EventRow.occurred_at < end, or_(*ranges))
        )
        out[name] = int(n or 0)
    return out


def shift_log(s: Session, shift_id: int) -> ShiftLog:
    """A shift's duty log and the platform's record of the same hours."""
    row = s.get(CenterShift, shift_id)
    if row is None:
        raise DomainError(f"no shift {shift_id}", 404)
    end = row.ended_at or utcnow()
    entries = s.scalars(
        select(CenterLogEntry).where(CenterLogEntry.shift_id == row.id).order_by(CenterLogEntry.id)
    )

    def count(*where: object) -> int:
        return int(s.scalar(select(func.count()).select_from(Alarm).where(*where)) or 0)  # type: ignore[arg-type]

    return ShiftLog(
        shift=ShiftOut.model_validate(row),
        entries=[LogOut.model_validate(e) for e in entries],
        alarms_raised=count(Alarm.created_at >= row.started_at, Alarm.created_at < end),
        alarms_closed=count(Alarm.closed_at >= row.started_at, Alarm.closed_at < end),
        open_alarms=count(Alarm.state.in_(OPEN_STATES)),
        counts=_count_events(s, row.started_at, end),
    )
