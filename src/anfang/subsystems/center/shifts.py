"""Duty shifts: who is on duty, the duty log, and the hand-over signed by both operators.

The outgoing operator signs first (the open alarms and open log items are frozen into the
hand-over); a different person signs to accept it, which closes the shift, starts theirs,
and hands them the alarms the outgoing operator still held. Every step is audited.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.audit.log import AuditLog
from anfang.core.alarm_rules import OPEN_STATES, Step
from anfang.core.alarms import AlarmEngine
from anfang.core.errors import DomainError
from anfang.core.events import Event
from anfang.core.linkage import Linkage
from anfang.core.writer import WriteContext, Writer
from anfang.store.base import utcnow
from anfang.store.models import Alarm
from anfang.subsystems.center.models import CenterLogEntry, CenterShift
from anfang.subsystems.center.schemas import AcceptIn, HandoverIn, LogIn

SOURCE = "CENTER"
ACTIVE = ("on_duty", "handing_over")


class CenterPlatform(Protocol):
    """What the centre's services need of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def alarms(self) -> AlarmEngine: ...

    @property
    def linkage(self) -> Linkage: ...

    def read_session(self) -> AbstractContextManager[Session]: ...


class DutyRefused(DomainError):
    """A duty step that is not allowed now; ``code`` names why."""

    status = 409

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def current(s: Session) -> CenterShift | None:
    """The shift on duty (or being handed over), if any."""
    return s.scalar(
        select(CenterShift)
        .where(CenterShift.state.in_(ACTIVE))
        .order_by(CenterShift.id.desc())
        .limit(1)
    )


def _shift(s: Session, shift_id: int) -> CenterShift:
    row = s.get(CenterShift, shift_id)
    if row is None:
        raise DomainError(f"no shift {shift_id}", 404)
    return row


def _name(actor: str) -> str:
    return actor.removeprefix("user:")


async def start(platform: CenterPlatform, actor: str) -> CenterShift:
    """Go on duty (the same shift again if the caller is already on it)."""

    def job(ctx: WriteContext) -> tuple[CenterShift, str, Any]:
        on = current(ctx.session)
        if on is not None and on.operator == actor:
            return on, f"center_shift:{on.id}", {"again": True}
        if on is not None:
            raise DutyRefused(
                f"{on.operator} is on duty; take over through the hand-over",
                "shift_taken",
                by=on.operator,
            )
        row = CenterShift(operator=actor, started_at=utcnow(), state="on_duty", open_items=[])
        ctx.session.add(row)
        ctx.session.flush()
        ctx.emit(Event.create("center.shift_started", SOURCE, payload={"operator": actor}))
        return row, f"center_shift:{row.id}", {"operator": actor}

    return await audited(platform, actor, "center.shift.start", job)


async def add_log(platform: CenterPlatform, actor: str, data: LogIn) -> CenterLogEntry:
    """Write a line to the current shift's duty log."""

    def job(ctx: WriteContext) -> tuple[CenterLogEntry, str, Any]:
        on = current(ctx.session)
        if on is None:
            raise DutyRefused("nobody is on duty: start a shift first", "no_shift")
        row = CenterLogEntry(shift_id=on.id, at=utcnow(), actor=actor, **data.model_dump())
        ctx.session.add(row)
        ctx.session.flush()
        return row, f"center_shift:{on.id}", data.model_dump()

    return await audited(platform, actor, "center.log.add", job)


def open_items(s: Session, shift: CenterShift) -> list[dict[str, Any]]:
    """What the next shift takes over: open alarms and the shift's open log items."""
    alarms = s.scalars(
        select(Alarm).where(Alarm.state.in_(OPEN_STATES)).order_by(Alarm.priority, Alarm.id)
    )
    items: list[dict[str, Any]] = [
        {
            "kind": "alarm",
            "id": a.id,
            "title": a.title,
            "state": a.state,
            "priority": a.priority,
            "assignee": a.assignee,
        }
        for a in alarms
    ]
    notes = s.scalars(
        select(CenterLogEntry).where(
            CenterLogEntry.shift_id == shift.id, CenterLogEntry.open.is_(True)
        )
    )
    items += [{"kind": "note", "id": n.id, "title": n.text, "category": n.category} for n in notes]
    return items


async def handover(
    platform: CenterPlatform, actor: str, shift_id: int, data: HandoverIn
) -> CenterShift:
    """The outgoing operator signs the hand-over (freezing what is open)."""

    def job(ctx: WriteContext) -> tuple[CenterShift, str, Any]:
        row = _shift(ctx.session, shift_id)
        if row.state != "on_duty":
            raise DutyRefused(f"shift {shift_id} is {row.state}", "shift_state", state=row.state)
        if row.operator != actor:
            raise DutyRefused("only the operator on duty hands over", "not_yours", by=row.operator)
        row.state = "handing_over"
        row.handover_to = f"user:{data.to}" if data.to else None
        row.handover_note = data.note
        row.open_items = open_items(ctx.session, row)
        row.handed_over_at = utcnow()
        detail = {"to": row.handover_to, "open_items": len(row.open_items)}
        return row, f"center_shift:{row.id}", detail

    return await audited(platform, actor, "center.shift.handover", job)


async def accept(
    platform: CenterPlatform, actor: str, shift_id: int, data: AcceptIn
) -> CenterShift:
    """The incoming operator signs: the shift closes, theirs starts, held alarms move."""

    def job(ctx: WriteContext) -> tuple[CenterShift, str, Any]:
        row = _shift(ctx.session, shift_id)
        if row.state != "handing_over":
            raise DutyRefused(f"shift {shift_id} is {row.state}", "shift_state", state=row.state)
        if actor == row.operator:
            raise DutyRefused("the hand-over needs a second person", "same_person")
        if row.handover_to is not None and row.handover_to != actor:
            raise DutyRefused(f"handed over to {row.handover_to}", "not_yours", by=row.handover_to)
        now = utcnow()
        row.state, row.ended_at = "closed", now
        row.accepted_by, row.accepted_at, row.accept_note = actor, now, data.note
        nxt = CenterShift(operator=actor, started_at=now, state="on_duty", open_items=[])
        ctx.session.add(nxt)
        ctx.session.flush()
        row.next_shift_id = nxt.id
        moved = _move_alarms(ctx, platform.alarms, row.operator, actor)
        ctx.emit(
            Event.create(
                "center.handover",
                SOURCE,
                payload={"from": row.operator, "to": actor, "open_items": len(row.open_items)},
            )
        )
        return nxt, f"center_shift:{row.id}", {"next_shift": nxt.id, "alarms_moved": moved}

    return await audited(platform, actor, "center.shift.accept", job)


def _move_alarms(ctx: WriteContext, engine: AlarmEngine, outgoing: str, incoming: str) -> int:
    held = list(
        ctx.session.scalars(
            select(Alarm.id).where(Alarm.state.in_(OPEN_STATES), Alarm.assignee == outgoing)
        )
    )
    for alarm_id in held:
        step = Step("assign", incoming, "交接班 / shift hand-over", _name(incoming))
        engine.transition(ctx, alarm_id, step)
    return len(held)
