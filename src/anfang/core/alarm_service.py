"""The alarm queue and definitions as the API uses them: pages of alarms, one alarm with
its history, workflow steps, and audited definition edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.alarms import OPEN_STATES, AlarmEngine, AlarmNotFound, alarm_json
from anfang.core.errors import DomainError
from anfang.core.event_log import row_json
from anfang.core.writer import WriteContext, Writer
from anfang.store.models import Alarm, AlarmDefinition, AlarmEvent, AlarmTransition, EventRow

# Events listed with one alarm (the newest; a repeating alarm may have thousands).
EVENTS_PER_ALARM = 200


class DefinitionNotFound(DomainError):
    """No alarm definition with that id."""

    status = 404


@dataclass(frozen=True, slots=True)
class AlarmFilter:
    """Which alarms a page holds; ``state="open"`` means everything not yet closed."""

    state: str | None = None
    priority_max: int | None = None
    source: str | None = None
    before: str | None = None
    limit: int = 100


def page(
    session: Session, engine: AlarmEngine, f: AlarmFilter
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of alarms newest first, and the id to page on from."""
    q = select(Alarm).order_by(Alarm.id.desc()).limit(f.limit + 1)
    if f.state == "open":
        q = q.where(Alarm.state.in_(OPEN_STATES))
    elif f.state is not None:
        q = q.where(Alarm.state == f.state)
    if f.priority_max is not None:
        q = q.where(Alarm.priority <= f.priority_max)
    if f.source:
        q = q.where(Alarm.source == f.source)
    if f.before:
        q = q.where(Alarm.id < f.before)
    rows = list(session.scalars(q))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    items = [alarm_json(a, engine.procedure_of(a.definition_id)) for a in rows]
    return items, rows[-1].id if more and rows else None


def detail(session: Session, engine: AlarmEngine, alarm_id: str) -> dict[str, Any]:
    """One alarm with its transitions and its newest events."""
    a = session.get(Alarm, alarm_id)
    if a is None:
        raise AlarmNotFound(f"no alarm {alarm_id!r}")
    out = alarm_json(a, engine.procedure_of(a.definition_id))
    transitions = session.scalars(
        select(AlarmTransition).where(AlarmTransition.alarm_id == a.id).order_by(AlarmTransition.id)
    )
    out["transitions"] = [
        {
            "from_state": t.from_state,
            "to_state": t.to_state,
            "actor": t.actor,
            "note": t.note,
            "at": t.at.isoformat(),
        }
        for t in transitions
    ]
    events = session.scalars(
        select(EventRow)
        .join(AlarmEvent, AlarmEvent.event_id == EventRow.id)
        .where(AlarmEvent.alarm_id == a.id)
        .order_by(EventRow.id.desc())
        .limit(EVENTS_PER_ALARM)
    )
    out["events"] = [row_json(e) for e in events]
    return out


async def step(
    writer: Writer, engine: AlarmEngine, alarm_id: str, action: str, actor: str, note: str
) -> dict[str, Any]:
    """One workflow step (audited by the engine); raises ``AlarmNotFound``/``AlarmStateError``."""
    return await writer.run(lambda ctx: engine.transition(ctx, alarm_id, action, actor, note))


def definition_json(d: AlarmDefinition) -> dict[str, Any]:
    """A definition as JSON-ready data."""
    return {
        "id": d.id,
        "name": d.name,
        "kinds": d.kinds,
        "device_codes": d.device_codes,
        "zone_ids": d.zone_ids,
        "priority": d.priority,
        "procedure": d.procedure,
        "schedule": d.schedule,
        "ack_timeout_s": d.ack_timeout_s,
        "enabled": d.enabled,
    }


def definitions(session: Session) -> list[dict[str, Any]]:
    """Every alarm definition."""
    return [
        definition_json(d)
        for d in session.scalars(select(AlarmDefinition).order_by(AlarmDefinition.id))
    ]


def _audit(
    engine: AlarmEngine, ctx: WriteContext, actor: str, action: str, d: int, data: Any
) -> None:
    if engine.audit_append is not None:
        engine.audit_append(ctx, actor, action, f"alarm_definition:{d}", data)


async def create_definition(
    writer: Writer, engine: AlarmEngine, actor: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Create a definition (audited)."""

    def job(ctx: WriteContext) -> dict[str, Any]:
        d = AlarmDefinition(**data)
        ctx.session.add(d)
        ctx.session.flush()
        ctx.mark_changed("alarm_definitions")
        _audit(engine, ctx, actor, "alarm_definition.create", d.id, data)
        return definition_json(d)

    return await writer.run(job)


async def update_definition(
    writer: Writer, engine: AlarmEngine, actor: str, def_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """Replace a definition (audited; an edited default is never seeded over again)."""

    def job(ctx: WriteContext) -> dict[str, Any]:
        d = ctx.session.get(AlarmDefinition, def_id)
        if d is None:
            raise DefinitionNotFound(f"no alarm definition {def_id}")
        before = definition_json(d)
        for k, v in data.items():
            setattr(d, k, v)
        ctx.session.flush()
        ctx.mark_changed("alarm_definitions")
        _audit(
            engine, ctx, actor, "alarm_definition.update", d.id, {"before": before, "after": data}
        )
        return definition_json(d)

    return await writer.run(job)
