"""The alarm queue and definitions as the API uses them: pages of alarms, one alarm with
its history, workflow steps, and audited definition edits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.alarm_rules import DISPOSITIONS, FALSE_CAUSES
from anfang.core.alarms import OPEN_STATES, AlarmEngine, AlarmNotFound, Step, alarm_json, field
from anfang.core.errors import DomainError
from anfang.core.event_log import row_json
from anfang.core.writer import WriteContext, Writer
from anfang.store.models import (
    Alarm,
    AlarmDefinition,
    AlarmEvent,
    AlarmTransition,
    Device,
    EventRow,
    Zone,
)

log = logging.getLogger(__name__)

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
    q = select(Alarm.__table__).order_by(Alarm.id.desc()).limit(f.limit + 1)  # rows, not objects
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
    rows = list(session.execute(q))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    items = [alarm_json(a, engine.procedure_of(a.definition_id)) for a in rows]
    return items, rows[-1].id if more and rows else None


def _queue_key(a: dict[str, Any]) -> tuple[int, int, str]:
    # Priority first; within it, alarms nobody has acknowledged before those being
    # handled; then newest first, so a new intrusion is never below the fold (issue 17).
    # An alarm waiting long is not lost at the bottom: escalation marks it.
    handled = 0 if a["state"] == "new" else 1
    return (a["priority"], handled, _desc(a["id"]))


def _desc(ulid: str) -> str:
    # ULIDs sort by time; mapping each character to its complement reverses the order.
    return ulid.translate(_REVERSE)


_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_REVERSE = str.maketrans(_ALPHABET, _ALPHABET[::-1])


def open_queue(engine: AlarmEngine) -> list[dict[str, Any]]:
    """Every open alarm in queue order, from the engine's memory (no query)."""
    return sorted(engine.open_alarms(), key=_queue_key)


def causes() -> dict[str, Any]:
    """The dispositions and false-alarm causes, with their names."""
    return {
        "dispositions": [
            {"code": k, "state": v[0], "zh": v[1], "en": v[2]} for k, v in DISPOSITIONS.items()
        ],
        "false_causes": [{"code": k, "zh": v[0], "en": v[1]} for k, v in FALSE_CAUSES.items()],
    }


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
            "code": t.code,
            "data": t.data or {},
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
    out["context"] = context(session, engine, a)
    return out


def context(session: Session, engine: AlarmEngine, a: Alarm) -> list[dict[str, Any]]:
    """What is known of the alarm's source: its device and zone, then each subsystem's
    sections (a source that fails is logged and left out; the alarm still shows)."""
    sections: list[dict[str, Any]] = []
    device = session.get(Device, a.device_id) if a.device_id is not None else None
    if device is None:
        device = session.scalar(select(Device).where(Device.code == a.source))
    zone_id = a.zone_id if a.zone_id is not None else (device.zone_id if device else None)
    zone = session.get(Zone, zone_id) if zone_id is not None else None
    place: list[dict[str, Any]] = []
    if device is not None:
        place += [
            field("设备", "Device", f"{device.code} {device.name}"),
            field("设备类型", "Device type", device.type, devtype=True),
            field("设备状态", "Device state", device.state, devstate=True),
        ]
    if zone is not None:
        place.append(field("防区", "Zone", f"{zone.code} {zone.name}"))
    if place:
        sections.append({"key": "place", "zh": "位置", "en": "Where", "fields": place})
    for source in engine.context_sources:
        try:
            sections.extend(source(session, a))
        except Exception:  # one subsystem's trouble must not hide the alarm
            log.warning("alarm context for %s failed", a.id, exc_info=True)
    return sections


async def step(writer: Writer, engine: AlarmEngine, alarm_id: str, s: Step) -> dict[str, Any]:
    """One handling step (audited by the engine); raises ``AlarmNotFound`` or
    ``AlarmStepRefused``."""
    return await writer.run(lambda ctx: engine.transition(ctx, alarm_id, s))


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
