"""The alarm engine: definitions → latched instances → handled by people.

It is a writer hook: the alarm an event raises is stored in the same transaction as the
event, so one is never durable without the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core import kinds
from anfang.core.alarm_json import AlarmContextSource, alarm_json, field
from anfang.core.alarm_rules import CLOSED_STATES, OPEN_STATES, AlarmStepRefused, Step, plan
from anfang.core.errors import DomainError
from anfang.core.events import Event, new_id
from anfang.core.kinds import Severity
from anfang.core.schedules import schedule_active
from anfang.core.writer import WriteContext
from anfang.store.base import to_epoch_us, utcnow
from anfang.store.models import Alarm, AlarmDefinition, AlarmEvent, AlarmTransition, User

log = logging.getLogger(__name__)

__all__ = [
    "CLOSED_STATES",
    "OPEN_STATES",
    "AlarmContextSource",
    "AlarmEngine",
    "AlarmNotFound",
    "Step",
    "alarm_json",
    "field",
]

kinds.register(
    "alarm.escalated",
    Severity.HIGH,
    "报警超时未确认，已升级",
    "Alarm unacknowledged, escalated",
    derived=True,
)


class AlarmNotFound(DomainError, LookupError):
    """No alarm with that id."""

    status = 404


@dataclass(slots=True)
class _Def:
    id: int
    name: str
    kinds: list[str]
    device_codes: frozenset[str] | None
    zone_ids: frozenset[int] | None
    priority: int
    schedule: list[dict[str, Any]] | None
    ack_timeout_s: int | None
    procedure: str


class AlarmEngine:
    """Matches stored events to definitions and keeps alarm instances."""

    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(timezone)
        self._defs: list[_Def] = []
        self._by_kind: dict[str, list[_Def]] = {}
        self._open: dict[tuple[int, str], str] = {}
        # What the console sees of each open alarm, kept here so that a repeat only needs
        # an UPDATE: an alarm storm must not cost an ORM load per event (bench/sia).
        self._open_json: dict[str, dict[str, Any]] = {}
        self.audit_append: Any = None  # set by the platform: AuditLog.append
        # Ids of events a subsystem hook's ``prepare`` stored as raising no alarm (a burglary
        # from a disarmed partition, an intrusion in a bypassed zone); emptied per batch.
        self.skip_alarm: set[str] = set()
        # Subsystems add what they know of an alarm's source (see AlarmContextSource).
        self.context_sources: list[AlarmContextSource] = []
        # ... and which event sources belong to a household (the history searches by it).
        self.household_sources: list[Callable[[Session, int], list[str]]] = []

    # ------------------------------------------------------------- writer hook

    def load(self, session: Session) -> None:
        """Cache definitions and the open alarms."""
        self._load_defs(session)
        rows = list(session.execute(select(Alarm).where(Alarm.state.in_(OPEN_STATES))).scalars())
        self._open = {(a.definition_id, a.source): a.id for a in rows}
        self._open_json = {a.id: alarm_json(a, self.procedure_of(a.definition_id)) for a in rows}

    def _load_defs(self, session: Session) -> None:
        self._defs = [
            _Def(
                d.id,
                d.name,
                list(d.kinds),
                frozenset(d.device_codes) if d.device_codes is not None else None,
                frozenset(int(z) for z in d.zone_ids) if d.zone_ids is not None else None,
                d.priority,
                d.schedule,
                d.ack_timeout_s,
                d.procedure,
            )
            for d in session.execute(
                select(AlarmDefinition).where(AlarmDefinition.enabled.is_(True))
            ).scalars()
        ]
        self._by_kind = {}

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload definitions after they were edited."""
        if "alarm_definitions" in topics:
            self._load_defs(ctx.session)

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Nothing to add before insertion."""
        return []

    def _candidates(self, kind: str) -> list[_Def]:
        found = self._by_kind.get(kind)
        if found is None:
            found = [d for d in self._defs if any(kinds.matches(p, kind) for p in d.kinds)]
            self._by_kind[kind] = found
        return found

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Raise new alarms, and attach repeats to the open ones in one statement each."""
        repeats: dict[str, list[Event]] = {}
        skip = self.skip_alarm
        for ev in events:
            if skip and ev.id in skip:
                continue
            for d in self._candidates(ev.kind):
                if d.device_codes is not None and ev.source not in d.device_codes:
                    continue
                if d.zone_ids is not None and ev.zone_id not in d.zone_ids:
                    continue
                if not schedule_active(d.schedule, ev.occurred_at, self.tz):
                    continue
                open_id = self._open.get((d.id, ev.source))
                if open_id is not None and open_id in self._open_json:
                    repeats.setdefault(open_id, []).append(ev)
                else:
                    self._raise(ctx, d, ev)
        skip.clear()
        if repeats:
            self._attach(ctx, repeats)

    def _attach(self, ctx: WriteContext, repeats: dict[str, list[Event]]) -> None:
        now = utcnow()
        ctx.session.flush()  # alarms raised earlier in this batch must exist first
        conn = ctx.session.connection()
        # Straight to the driver, as fast_insert does for events: SQLAlchemy's per-row
        # parameter processing cost ~20 µs a repeat in bench/sia (one per SIA frame).
        mark = "?" if conn.dialect.name == "sqlite" else "%s"
        when: Any = to_epoch_us if conn.dialect.name == "sqlite" else (lambda t: t)
        last = {aid: max(e.occurred_at for e in evs) for aid, evs in repeats.items()}
        conn.exec_driver_sql(
            f"UPDATE alarms SET event_count = event_count + {mark}, last_event_at = {mark}, "
            f"updated_at = {mark} WHERE id = {mark}",
            [(len(evs), when(last[aid]), when(now), aid) for aid, evs in repeats.items()],
        )
        conn.exec_driver_sql(
            f"INSERT INTO alarm_events (alarm_id, event_id) VALUES ({mark}, {mark})",
            [(aid, e.id) for aid, evs in repeats.items() for e in evs],
        )
        # The alarms just updated by SQL are stale if loaded in this batch; only they. Every
        # object expired here would be read again on its next use, and one that another job
        # of the same batch created and handed back (a guard the demo made) is used after
        # the session closed: a DetachedInstanceError (seen once in tests/sim/test_demo).
        for obj in list(ctx.session.identity_map.values()):
            if isinstance(obj, Alarm) and obj.id in repeats:
                ctx.session.expire(obj)
        now_text = now.isoformat()
        for aid, evs in repeats.items():
            data = self._open_json[aid]
            data["event_count"] += len(evs)
            data["last_event_at"] = last[aid].isoformat()
            data["updated_at"] = now_text
            ctx.publish("alarms.changed", dict(data))

    def _raise(self, ctx: WriteContext, d: _Def, ev: Event) -> None:
        s = ctx.session
        now = utcnow()
        label = kinds.get(ev.kind).zh
        alarm = Alarm(
            id=new_id(),
            definition_id=d.id,
            site_id=ev.site_id,
            source=ev.source,
            device_id=ev.device_id,
            zone_id=ev.zone_id,
            kind=ev.kind,
            title=(
                f"{label}（{ev.source}）"
                if label == d.name
                else f"{d.name}：{label}（{ev.source}）"
            )[:300],
            priority=d.priority,
            state="new",
            first_event_id=ev.id,
            last_event_at=ev.occurred_at,
            event_count=1,
            escalation_level=0,
            dispatched_to="",
            created_at=now,
            updated_at=now,
        )
        s.add(alarm)  # the unit of work inserts it before the rows that refer to it
        s.add(AlarmEvent(alarm_id=alarm.id, event_id=ev.id))
        s.add(
            AlarmTransition(
                alarm_id=alarm.id,
                from_state=None,
                to_state="new",
                actor="system",
                note="",
                at=now,
                code="raised",
                data={"event_id": ev.id},
            )
        )
        self._open[(d.id, ev.source)] = alarm.id
        data = alarm_json(alarm, d.procedure)
        self._open_json[alarm.id] = data
        ctx.publish("alarms.changed", dict(data))

    # ------------------------------------------------------------- handling

    def procedure_of(self, definition_id: int) -> str:
        """The procedure text of a definition."""
        return next((d.procedure for d in self._defs if d.id == definition_id), "")

    def transition(self, ctx: WriteContext, alarm_id: str, step: Step) -> dict[str, Any]:
        """Apply one handling step (in the writer's transaction; audited); raises
        :class:`AlarmNotFound` or :class:`AlarmStepRefused`."""
        alarm = ctx.session.get(Alarm, alarm_id)
        if alarm is None:
            raise AlarmNotFound(f"no alarm {alarm_id!r}")
        last_actor = ctx.session.scalar(
            select(AlarmTransition.actor)
            .where(AlarmTransition.alarm_id == alarm.id)
            .order_by(AlarmTransition.id.desc())
            .limit(1)
        )
        if step.action == "assign":
            # Held as an actor ("user:<name>"), like the alarms an operator claims.
            if not self._user_exists(ctx.session, step.to):
                raise AlarmStepRefused(f"no active user {step.to!r}", "no_such_user", user=step.to)
            step = replace(step, to=f"user:{step.to}")
        decided = plan(step, alarm.state, alarm.assignee, last_actor or "system")
        now = utcnow()
        for code, from_state, to_state, data in decided.transitions:
            ctx.session.add(
                AlarmTransition(
                    alarm_id=alarm.id,
                    from_state=from_state,
                    to_state=to_state,
                    actor=step.actor,
                    note=step.note if code == step.action else "",
                    at=now,
                    code=code,
                    data=data or None,
                )
            )
        prev = alarm.state
        self._apply(alarm, decided.changes, now)
        ctx.session.flush()
        before = self._open_json.get(alarm.id)
        if alarm.state in CLOSED_STATES and prev not in CLOSED_STATES:
            key = (alarm.definition_id, alarm.source)
            self._open_json.pop(alarm.id, None)
            if self._open.get(key) == alarm.id:
                del self._open[key]

                def reopen() -> None:
                    self._open[key] = alarm.id
                    if before is not None:
                        self._open_json[alarm.id] = before

                ctx.session.info.setdefault("on_rollback", []).append(reopen)
        if self.audit_append is not None:
            detail = {"from": prev, "to": alarm.state, "note": step.note}
            detail.update({k: v for k, v in decided.transitions[-1][3].items() if v})
            self.audit_append(ctx, step.actor, f"alarm.{step.action}", f"alarm:{alarm.id}", detail)
        data = alarm_json(alarm, self.procedure_of(alarm.definition_id))
        if alarm.state not in CLOSED_STATES:
            self._open_json[alarm.id] = dict(data)
        ctx.publish("alarms.changed", data)
        return data

    def open_alarms(self) -> list[dict[str, Any]]:
        """Copies of every open alarm as the console sees it."""
        # list() and dict() copy in one C call each under the GIL, so the writer thread
        # changing the cache meanwhile cannot break the iteration.
        return [dict(a) for a in list(self._open_json.values())]

    def ack_limits(self) -> dict[int, int]:
        """Each definition's time to acknowledge, in seconds, where it has one."""
        return {d.id: d.ack_timeout_s for d in self._defs if d.ack_timeout_s is not None}

    def changed(self, ctx: WriteContext, alarm: Alarm) -> None:
        """Publish an open alarm changed outside :meth:`transition` (escalation)."""
        data = alarm_json(alarm, self.procedure_of(alarm.definition_id))
        self._open_json[alarm.id] = dict(data)
        ctx.publish("alarms.changed", data)

    @staticmethod
    def _apply(alarm: Alarm, changes: dict[str, Any], now: datetime) -> None:
        for name, value in changes.items():
            if name == "acked":
                alarm.acked_at = now
            elif name == "closed":
                alarm.closed_at = now
            else:
                setattr(alarm, name, value)
        alarm.updated_at = now

    @staticmethod
    def _user_exists(session: Session, username: str) -> bool:
        found = session.scalar(
            select(User.id).where(User.username == username, User.disabled.is_(False))
        )
        return found is not None
