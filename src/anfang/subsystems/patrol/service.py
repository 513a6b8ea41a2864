"""Guard-tour configuration: checkpoints, guards, routes, schedules and holidays, each edit
one audited writer job. An edit of a route or schedule re-plans the rounds that have not
started yet; a round under way keeps the plan it started with (and the answer says how
many were kept)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.audit.log import AuditLog
from anfang.core.errors import DomainError
from anfang.core.writer import Writer
from anfang.store.base import Base, utcnow
from anfang.store.models import Site
from anfang.subsystems.patrol.models import (
    PatrolCheckpoint,
    PatrolGuard,
    PatrolHoliday,
    PatrolRound,
    PatrolRoute,
    PatrolSchedule,
)
from anfang.subsystems.patrol.schemas import RouteIn, ScheduleIn

TOPIC = "patrol_config"  # the check-in hook reloads its tags and guards on this
T = TypeVar("T")
M = TypeVar("M", bound=Base)


class PatrolPlatform(Protocol):
    """What the guard-tour service needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...


class PatrolError(DomainError):
    """A refused guard-tour request."""


def get_or_404(session: Session, model: type[M], ident: int, what: str) -> M:
    """The row or a 404 naming what was looked for."""
    row = session.get(model, ident)
    if row is None:
        raise PatrolError(f"no {what} {ident}", 404)
    return row


def site_id(session: Session) -> int:
    """The community's site (guard-tour records belong to it)."""
    sid = session.scalar(select(Site.id).order_by(Site.id).limit(1))
    if sid is None:
        raise PatrolError("no site yet: import the site file first", 409)
    return sid


async def write(
    platform: PatrolPlatform, actor: str, action: str, fn: Callable[[Session], tuple[T, str, Any]]
) -> T:
    """Run ``fn`` in the writer and audit ``action`` on the target it names."""
    return await audited(
        platform, actor, action, lambda ctx: fn(ctx.session), topic=TOPIC, error=PatrolError
    )


def _detail(data: BaseModel) -> dict[str, Any]:
    return data.model_dump(mode="json")


def _unstarted(session: Session, **where: int) -> tuple[int, int]:
    """Drop the rounds of a route or schedule that have not started (the next evaluation
    plans them again from the new configuration); how many were dropped and kept."""
    col = PatrolRound.route_id if "route_id" in where else PatrolRound.schedule_id
    ident = next(iter(where.values()))
    now = utcnow()
    dropped = session.execute(
        delete(PatrolRound).where(
            col == ident, PatrolRound.planned_start > now, PatrolRound.started_at.is_(None)
        )
    )
    kept = session.scalar(
        select(func.count())
        .select_from(PatrolRound)
        .where(col == ident, PatrolRound.finished.is_(False), PatrolRound.planned_start <= now)
    )
    return int(getattr(dropped, "rowcount", 0) or 0), int(kept or 0)


# ------------------------------------------------------------------ generic records

Simple = PatrolCheckpoint | PatrolGuard
_WHAT = {PatrolCheckpoint: "checkpoint", PatrolGuard: "guard"}


async def create(
    platform: PatrolPlatform, actor: str, model: type[Simple], data: BaseModel
) -> Simple:
    """Add a checkpoint or guard."""
    what = _WHAT[model]

    def fn(session: Session) -> tuple[Simple, str, Any]:
        row = model(site_id=site_id(session), **data.model_dump())
        session.add(row)
        session.flush()
        return row, f"patrol_{what}:{row.id}", _detail(data)

    return await write(platform, actor, f"patrol.{what}_create", fn)


async def update(
    platform: PatrolPlatform, actor: str, model: type[Simple], ident: int, data: BaseModel
) -> Simple:
    """Replace a checkpoint or guard."""
    what = _WHAT[model]

    def fn(session: Session) -> tuple[Simple, str, Any]:
        row = get_or_404(session, model, ident, what)
        for key, value in data.model_dump().items():
            setattr(row, key, value)
        return row, f"patrol_{what}:{ident}", _detail(data)

    return await write(platform, actor, f"patrol.{what}_update", fn)


async def remove(platform: PatrolPlatform, actor: str, model: type[Base], ident: int) -> None:
    """Delete a checkpoint, guard, route or schedule (a route in use by rounds keeps them)."""
    what = {**_WHAT, PatrolRoute: "route", PatrolSchedule: "schedule"}[model]

    def fn(session: Session) -> tuple[None, str, Any]:
        row = get_or_404(session, model, ident, what)
        if isinstance(row, PatrolCheckpoint):
            used = [
                r.code
                for r in session.scalars(select(PatrolRoute))
                if any(p.get("checkpoint_id") == ident for p in r.points)
            ]
            if used:
                raise PatrolError(f"checkpoint {row.code} is on routes {', '.join(used)}", 409)
        if isinstance(row, PatrolRoute | PatrolSchedule):
            col = PatrolRound.route_id if isinstance(row, PatrolRoute) else PatrolRound.schedule_id
            n = session.scalar(select(func.count()).select_from(PatrolRound).where(col == ident))
            if n:
                raise PatrolError(
                    f"the {what} has {n} rounds on record: disable it instead "
                    "(its rounds stay in the reports)",
                    409,
                )
        session.delete(row)
        return None, f"patrol_{what}:{ident}", {}

    await write(platform, actor, f"patrol.{what}_delete", fn)


# ------------------------------------------------------------------ routes and schedules


def _check_points(session: Session, data: RouteIn) -> None:
    for i, p in enumerate(data.points):
        if session.get(PatrolCheckpoint, p.checkpoint_id) is None:
            raise PatrolError(f"points[{i}].checkpoint_id: no checkpoint {p.checkpoint_id}", 422)


async def save_route(
    platform: PatrolPlatform, actor: str, data: RouteIn, ident: int | None = None
) -> tuple[PatrolRoute, int, int]:
    """Add or replace a route; with the rounds re-planned and kept."""

    def fn(session: Session) -> tuple[tuple[PatrolRoute, int, int], str, Any]:
        _check_points(session, data)
        fields = data.model_dump()
        if ident is None:
            row = PatrolRoute(site_id=site_id(session), **fields)
            session.add(row)
            session.flush()
            counts = (0, 0)
        else:
            row = get_or_404(session, PatrolRoute, ident, "route")
            for key, value in fields.items():
                setattr(row, key, value)
            row.version += 1
            row.updated_at = utcnow()
            counts = _unstarted(session, route_id=ident)
        detail = {**_detail(data), "replanned": counts[0], "kept": counts[1]}
        return (row, *counts), f"patrol_route:{row.id}", detail

    action = "patrol.route_create" if ident is None else "patrol.route_update"
    return await write(platform, actor, action, fn)


async def save_schedule(
    platform: PatrolPlatform, actor: str, data: ScheduleIn, ident: int | None = None
) -> PatrolSchedule:
    """Add or replace a schedule (rounds not started yet are planned again)."""

    def fn(session: Session) -> tuple[PatrolSchedule, str, Any]:
        get_or_404(session, PatrolRoute, data.route_id, "route")
        if data.guard_id is not None:
            get_or_404(session, PatrolGuard, data.guard_id, "guard")
        if ident is None:
            row = PatrolSchedule(**data.model_dump())
            session.add(row)
            session.flush()
        else:
            row = get_or_404(session, PatrolSchedule, ident, "schedule")
            for key, value in data.model_dump().items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            _unstarted(session, schedule_id=ident)
        return row, f"patrol_schedule:{row.id}", _detail(data)

    action = "patrol.schedule_create" if ident is None else "patrol.schedule_update"
    return await write(platform, actor, action, fn)


async def set_holiday(platform: PatrolPlatform, actor: str, day: Any, name: str) -> PatrolHoliday:
    """Add or rename a holiday."""

    def fn(session: Session) -> tuple[PatrolHoliday, str, Any]:
        row = session.get(PatrolHoliday, day) or PatrolHoliday(day=day)
        row.name = name
        session.add(row)
        for sched in session.scalars(select(PatrolSchedule.id)):
            _unstarted(session, schedule_id=sched)
        return row, f"patrol_holiday:{day}", {"name": name}

    return await write(platform, actor, "patrol.holiday_set", fn)


async def drop_holiday(platform: PatrolPlatform, actor: str, day: Any) -> None:
    """Remove a holiday."""

    def fn(session: Session) -> tuple[None, str, Any]:
        row = session.get(PatrolHoliday, day)
        if row is None:
            raise PatrolError(f"no holiday {day}", 404)
        session.delete(row)
        for sched in session.scalars(select(PatrolSchedule.id)):
            _unstarted(session, schedule_id=sched)
        return None, f"patrol_holiday:{day}", {}

    await write(platform, actor, "patrol.holiday_delete", fn)
