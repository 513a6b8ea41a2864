"""The alarm history: every alarm, open or closed, searched by time, kind, zone, household,
disposition, state and text, newest first (pages by id, which sorts by time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from anfang.core.alarms import AlarmEngine, alarm_json
from anfang.store.models import Alarm, Device


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    """What to search for; every field narrows (``kind`` is exact or a ``prefix.*``)."""

    since: datetime | None = None
    until: datetime | None = None
    kind: str | None = None
    zone_id: int | None = None
    household_id: int | None = None
    disposition: str | None = None
    state: str | None = None
    source: str | None = None
    text: str | None = None
    before: str | None = None
    limit: int = 100


def _where(s: Session, engine: AlarmEngine, q: Select[Any], f: HistoryFilter) -> Select[Any]:
    if f.since is not None:
        q = q.where(Alarm.created_at >= f.since)
    if f.until is not None:
        q = q.where(Alarm.created_at < f.until)
    if f.kind:
        if f.kind.endswith(".*"):
            prefix = f.kind[:-1]  # a range the index can use (see core/event_log.py)
            q = q.where(Alarm.kind >= prefix, Alarm.kind < prefix[:-1] + "/")
        else:
            q = q.where(Alarm.kind == f.kind)
    if f.zone_id is not None:
        in_zone = select(Device.id).where(Device.zone_id == f.zone_id)
        q = q.where(or_(Alarm.zone_id == f.zone_id, Alarm.device_id.in_(in_zone)))
    if f.household_id is not None:
        sources = [x for fn in engine.household_sources for x in fn(s, f.household_id)]
        q = q.where(Alarm.source.in_(sources or ["\x00"]))
    if f.disposition:
        q = q.where(Alarm.disposition == f.disposition)
    if f.state == "open":
        q = q.where(Alarm.state.in_(("new", "acknowledged", "dispatched")))
    elif f.state == "closed":
        q = q.where(Alarm.state.in_(("resolved", "false_alarm")))
    elif f.state:
        q = q.where(Alarm.state == f.state)
    if f.source:
        q = q.where(Alarm.source == f.source)
    if f.text:
        like = f"%{f.text}%"
        q = q.where(or_(Alarm.title.like(like), Alarm.source.like(like)))
    return q


def search(
    s: Session, engine: AlarmEngine, f: HistoryFilter
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of matching alarms, newest first, and the id to page on from."""
    q = _where(s, engine, select(Alarm.__table__), f)
    q = q.order_by(Alarm.id.desc()).limit(f.limit + 1)
    if f.before:
        q = q.where(Alarm.id < f.before)
    rows = list(s.execute(q))  # rows of the table, not ORM objects (bench/console)
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    items = [alarm_json(a, engine.procedure_of(a.definition_id)) for a in rows]
    return items, rows[-1].id if more and rows else None


def matching(s: Session, engine: AlarmEngine, f: HistoryFilter) -> list[Alarm]:
    """Every matching alarm (reports), oldest first."""
    return list(s.scalars(_where(s, engine, select(Alarm), f).order_by(Alarm.id)))
