"""Rounds planned and judged: the schedules' rounds made for the days around now, every
open round evaluated (:mod:`.rounds`) against the counted check-ins, and its changes
written in one writer job with the events they call for: ``patrol.not_started``,
``patrol.missed`` (per point), ``patrol.late`` (at the first late point) and
``patrol.abandoned``, each once per round (its idempotency key says so even if two
evaluations race)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.subsystems.patrol.models import (
    PatrolCheckin,
    PatrolCheckpoint,
    PatrolHoliday,
    PatrolRound,
    PatrolRoute,
    PatrolSchedule,
)
from anfang.subsystems.patrol.plans import Recurrence, days_between, starts_on
from anfang.subsystems.patrol.rounds import (
    Plan,
    PointState,
    RoundState,
    Visit,
    VisitIndex,
    evaluate,
)

# A finished round is looked at again for this long (a reader docked late fills it in).
REOPEN_FOR = timedelta(days=2)


def recurrence(s: PatrolSchedule, holidays: frozenset[date]) -> Recurrence:
    """A schedule row as the planner's input."""
    return Recurrence(
        days=tuple(s.days or (1, 2, 3, 4, 5, 6, 7)),
        times=tuple(s.times or ()),
        every_min=s.every_min,
        from_time=s.from_time,
        until_time=s.until_time,
        valid_from=s.valid_from,
        valid_until=s.valid_until,
        on_holidays=s.on_holidays,
        holidays=holidays,
    )


def plan_of(route: PatrolRoute, start: datetime, window_min: float) -> Plan:
    """A route's plan from ``start``: cumulative offsets of its points."""
    offsets, total = [], 0.0
    for p in route.points:
        total += float(p.get("after_min", 0.0))
        offsets.append(total)
    return Plan(
        start=start,
        checkpoints=tuple(int(p["checkpoint_id"]) for p in route.points),
        offsets_min=tuple(offsets),
        tolerance_min=route.tolerance_min,
        start_window_min=window_min,
        grace_min=route.grace_min,
    )


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as a round keeps it."""
    return {
        "checkpoints": list(plan.checkpoints),
        "offsets_min": list(plan.offsets_min),
        "tolerance_min": plan.tolerance_min,
        "start_window_min": plan.start_window_min,
        "grace_min": plan.grace_min,
    }


def plan_from(row: PatrolRound) -> Plan:
    """The plan a round was made with."""
    p = row.plan
    return Plan(
        start=row.planned_start,
        checkpoints=tuple(p["checkpoints"]),
        offsets_min=tuple(p["offsets_min"]),
        tolerance_min=p["tolerance_min"],
        start_window_min=p["start_window_min"],
        grace_min=p["grace_min"],
    )


def materialize(session: Session, first: date, last: date, tz: ZoneInfo) -> int:
    """Make the rounds every enabled schedule has from ``first`` to ``last`` (local days)
    that do not exist yet; how many were made."""
    holidays = frozenset(session.scalars(select(PatrolHoliday.day)))
    routes = {r.id: r for r in session.scalars(select(PatrolRoute).where(PatrolRoute.enabled))}
    lo = datetime.combine(first, datetime.min.time(), tzinfo=tz) - timedelta(days=1)
    existing: set[tuple[int, datetime]] = {
        (sid, at)
        for sid, at in session.execute(
            select(PatrolRound.schedule_id, PatrolRound.planned_start).where(
                PatrolRound.planned_start >= lo
            )
        )
    }
    made = 0
    for s in session.scalars(select(PatrolSchedule).where(PatrolSchedule.enabled)):
        route = routes.get(s.route_id)
        if route is None or not route.points:
            continue
        rec = recurrence(s, holidays)
        for day in days_between(first, last):
            for start in starts_on(rec, day, tz):
                window_end = start + timedelta(minutes=s.start_window_min)
                if (s.id, start) in existing or window_end <= s.updated_at:
                    continue
                plan = plan_of(route, start, s.start_window_min)
                session.add(
                    PatrolRound(
                        route_id=route.id,
                        schedule_id=s.id,
                        guard_id=s.guard_id,
                        day=day,
                        planned_start=start,
                        deadline=plan.deadline,
                        route_version=route.version,
                        plan=plan_json(plan),
                        points_total=len(plan.checkpoints),
                        dirty=True,
                    )
                )
                existing.add((s.id, start))
                made += 1
    session.flush()
    return made


@dataclass(frozen=True, slots=True)
class Change:
    """A round's newly evaluated state and the events it calls for."""

    round_id: int
    state: RoundState
    alerts: tuple[str, ...]


def open_rounds(session: Session, now: datetime) -> list[PatrolRound]:
    """Rounds that may change: begun or about to, not finished long ago, or marked dirty."""
    return list(
        session.scalars(
            select(PatrolRound).where(
                PatrolRound.planned_start <= now + timedelta(hours=1),
                or_(
                    PatrolRound.finished.is_(False),
                    PatrolRound.dirty.is_(True) & (PatrolRound.deadline >= now - REOPEN_FOR),
                ),
            )
        )
    )


def visits_for(session: Session, rounds: list[PatrolRound]) -> VisitIndex:
    """The counted check-ins in the time the rounds span."""
    if not rounds:
        return VisitIndex([])
    first = min(r.planned_start for r in rounds) - timedelta(hours=4)
    last = max(r.deadline for r in rounds)
    rows = session.execute(
        select(
            PatrolCheckin.id, PatrolCheckin.checkpoint_id, PatrolCheckin.occurred_at,
            PatrolCheckin.guard,
        ).where(
            PatrolCheckin.verdict == "ok",
            PatrolCheckin.occurred_at >= first,
            PatrolCheckin.occurred_at <= last,
        )
    )  # fmt: skip
    return VisitIndex([Visit(i, cp, at, g) for i, cp, at, g in rows if cp is not None])


def judge(
    rounds: list[PatrolRound], index: VisitIndex, guards: dict[int, str], now: datetime
) -> list[Change]:
    """Evaluate each round; the ones whose state or due events changed."""
    out = []
    for row in rounds:
        state = evaluate(plan_from(row), index, now, guards.get(row.guard_id or 0))
        alerts = alerts_of(state)
        stored = [_point_json(p) for p in state.points]
        if (
            row.dirty
            or stored != row.state
            or state.status != row.status
            or state.finished != row.finished
            or not set(alerts) <= set(row.alerts)
        ):
            out.append(Change(row.id, state, alerts))
    return out


def alerts_of(state: RoundState) -> tuple[str, ...]:
    """The events a round's state calls for, as stable keys (``kind`` or ``kind:point``)."""
    keys: list[str] = []
    if state.status == "not_started":
        keys.append("patrol.not_started")
    if state.status == "abandoned":
        keys.append("patrol.abandoned")
    for i, p in enumerate(state.points):
        if p.status == "missed":
            keys.append(f"patrol.missed:{i}")
    late = next((i for i, p in enumerate(state.points) if p.status == "late"), None)
    if late is not None:  # once per round, at its first late point: lateness is no alarm
        keys.append(f"patrol.late:{late}")
    return tuple(keys)


def _point_json(p: PointState) -> dict[str, Any]:
    return {
        "status": p.status,
        "expected": p.expected.isoformat(),
        "visited_at": p.visited_at.isoformat() if p.visited_at else None,
        "checkin_id": p.checkin_id,
        "out_of_order": p.out_of_order,
    }


def apply(ctx: WriteContext, changes: list[Change], names: dict[int, str]) -> int:
    """Write the changes; emit each round's new events once; how many events."""
    ids = [ch.round_id for ch in changes]
    rows: dict[int, PatrolRound] = {}
    # One query per 500 rounds, and no flush between them (a get per round flushed the one
    # before it: 1.2 s for a day of 1,200 rounds, bench/patrol).
    with ctx.session.no_autoflush:
        for k in range(0, len(ids), 500):
            chunk = select(PatrolRound).where(PatrolRound.id.in_(ids[k : k + 500]))
            rows.update((r.id, r) for r in ctx.session.scalars(chunk))
    emitted = 0
    for ch in changes:
        row = rows.get(ch.round_id)
        if row is None:  # re-planned meanwhile
            continue
        st = ch.state
        row.state = [_point_json(p) for p in st.points]
        row.status, row.finished, row.started_at = st.status, st.finished, st.started_at
        row.guard_seen = st.guard
        row.points_on_time, row.points_late = st.count("on_time"), st.count("late")
        row.points_missed = st.count("missed")
        row.dirty, row.updated_at = False, utcnow()
        new = [k for k in ch.alerts if k not in row.alerts]
        for key in new:
            ctx.emit(_event(row, key, st, names))
            emitted += 1
        if new:
            row.alerts = [*row.alerts, *new]
    return emitted


def _event(row: PatrolRound, key: str, st: RoundState, names: dict[int, str]) -> Event:
    kind, _, idx = key.partition(":")
    payload: dict[str, Any] = {
        "round_id": row.id,
        "route_id": row.route_id,
        "planned_start": row.planned_start.isoformat(),
        "guard": st.guard,
    }
    if idx:
        point = st.points[int(idx)]
        cp = int(row.plan["checkpoints"][int(idx)])
        payload |= {"seq": int(idx) + 1, "checkpoint_id": cp, "checkpoint": names.get(cp, "")}
        payload["expected"] = point.expected.isoformat()
    return Event.create(
        kind,
        f"patrol-route-{row.route_id}",
        payload=payload,
        idempotency_key=f"patrol:{row.id}:{key}",
    )


def checkpoint_names(session: Session) -> dict[int, str]:
    """Checkpoint id → name, for events and the console."""
    return {k: v for k, v in session.execute(select(PatrolCheckpoint.id, PatrolCheckpoint.name))}
