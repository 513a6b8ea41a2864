"""Guard-tour reads for the API and the console: configuration lists, a day's rounds with
their live state, recent check-ins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.subsystems.patrol.models import (
    PatrolCheckin,
    PatrolCheckpoint,
    PatrolGuard,
    PatrolHoliday,
    PatrolRound,
    PatrolRoute,
    PatrolSchedule,
)
from anfang.subsystems.patrol.schemas import CheckinOut, PointOut, RoundOut

VERDICTS = ("ok", "unknown_tag", "malformed", "future", "too_old", "disabled")


def checkpoints(session: Session) -> list[PatrolCheckpoint]:
    """Every checkpoint by code."""
    return list(session.scalars(select(PatrolCheckpoint).order_by(PatrolCheckpoint.code)))


def guards(session: Session) -> list[PatrolGuard]:
    """Every guard by code."""
    return list(session.scalars(select(PatrolGuard).order_by(PatrolGuard.code)))


def routes(session: Session) -> list[PatrolRoute]:
    """Every route by code."""
    return list(session.scalars(select(PatrolRoute).order_by(PatrolRoute.code)))


def schedules(session: Session) -> list[PatrolSchedule]:
    """Every schedule."""
    return list(session.scalars(select(PatrolSchedule).order_by(PatrolSchedule.id)))


def holidays(session: Session) -> list[PatrolHoliday]:
    """Every holiday by date."""
    return list(session.scalars(select(PatrolHoliday).order_by(PatrolHoliday.day)))


def _names(session: Session, model: Any) -> dict[int, str]:
    return {k: v for k, v in session.execute(select(model.id, model.name))}


def rounds_of(session: Session, day: date, route_id: int | None = None) -> list[RoundOut]:
    """A local day's rounds in start order, each with its points' live state."""
    q = select(PatrolRound).where(PatrolRound.day == day).order_by(PatrolRound.planned_start)
    if route_id is not None:
        q = q.where(PatrolRound.route_id == route_id)
    cps = _names(session, PatrolCheckpoint)
    route_names = _names(session, PatrolRoute)
    sched_names = _names(session, PatrolSchedule)
    guard_names = _names(session, PatrolGuard)
    out = []
    for r in session.scalars(q):
        ids = [int(c) for c in r.plan.get("checkpoints", [])]
        points = [
            PointOut(
                checkpoint_id=cp,
                checkpoint=cps.get(cp, str(cp)),
                status=st.get("status", "pending"),
                expected=datetime.fromisoformat(st["expected"]),
                visited_at=datetime.fromisoformat(st["visited_at"])
                if st.get("visited_at")
                else None,
                out_of_order=bool(st.get("out_of_order")),
            )
            for cp, st in zip(ids, r.state, strict=False)
        ]
        out.append(
            RoundOut(
                id=r.id,
                route_id=r.route_id,
                route=route_names.get(r.route_id, ""),
                schedule=sched_names.get(r.schedule_id, ""),
                guard=guard_names.get(r.guard_id) if r.guard_id else r.guard_seen,
                planned_start=r.planned_start,
                deadline=r.deadline,
                status=r.status,
                finished=r.finished,
                started_at=r.started_at,
                points_total=r.points_total,
                points_on_time=r.points_on_time,
                points_late=r.points_late,
                points_missed=r.points_missed,
                points=points,
            )
        )
    return out


def checkins(
    session: Session, verdict: str | None, since: datetime | None, limit: int
) -> list[CheckinOut]:
    """The latest check-ins (by swipe time), optionally of one verdict or after a time."""
    q = select(PatrolCheckin).order_by(PatrolCheckin.occurred_at.desc()).limit(limit)
    if verdict is not None:
        q = q.where(PatrolCheckin.verdict == verdict)
    if since is not None:
        q = q.where(PatrolCheckin.occurred_at >= since)
    return [CheckinOut.model_validate(c) for c in session.scalars(q)]
