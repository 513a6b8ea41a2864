"""REST API of the guard tour (mounted under ``/api/v1``): checkpoints, guards, routes,
schedules and holidays (``patrol.configure``), the day's rounds and the check-ins
(``site.read``). Check-ins themselves arrive from readers over ``/ingest/events``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.store.base import utcnow
from anfang.subsystems.patrol import queries
from anfang.subsystems.patrol import service as svc
from anfang.subsystems.patrol.models import (
    PatrolCheckpoint,
    PatrolGuard,
    PatrolRoute,
    PatrolSchedule,
)
from anfang.subsystems.patrol.schemas import (
    CheckinOut,
    CheckpointIn,
    CheckpointOut,
    GuardIn,
    GuardOut,
    HolidayIn,
    HolidayOut,
    RoundOut,
    RouteIn,
    RouteOut,
    RouteSaved,
    ScheduleIn,
    ScheduleOut,
)

router = APIRouter(prefix="/patrol", tags=["patrol"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Configurer = Annotated[Principal, Depends(require(Perm.PATROL_CONFIGURE))]
Verdict = Literal["ok", "unknown_tag", "malformed", "future", "too_old", "disabled"]


@router.get("/checkpoints", response_model=list[CheckpointOut])
def list_checkpoints(_: Reader, session: SessionDep) -> list[CheckpointOut]:
    """Every checkpoint with its tag and place on the map."""
    return [CheckpointOut.model_validate(c) for c in queries.checkpoints(session)]


@router.post("/checkpoints", response_model=CheckpointOut, status_code=201)
async def add_checkpoint(
    data: CheckpointIn, who: Configurer, platform: PlatformDep
) -> CheckpointOut:
    """Add a checkpoint (its tag is normalised; a tag belongs to one checkpoint)."""
    row = await svc.create(platform, who.actor, PatrolCheckpoint, data)
    return CheckpointOut.model_validate(row)


@router.put("/checkpoints/{ident}", response_model=CheckpointOut)
async def put_checkpoint(
    ident: DbId, data: CheckpointIn, who: Configurer, platform: PlatformDep
) -> CheckpointOut:
    """Replace a checkpoint."""
    row = await svc.update(platform, who.actor, PatrolCheckpoint, ident, data)
    return CheckpointOut.model_validate(row)


@router.delete("/checkpoints/{ident}", status_code=204)
async def delete_checkpoint(ident: DbId, who: Configurer, platform: PlatformDep) -> Response:
    """Delete a checkpoint no route uses."""
    await svc.remove(platform, who.actor, PatrolCheckpoint, ident)
    return Response(status_code=204)


@router.get("/guards", response_model=list[GuardOut])
def list_guards(_: Reader, session: SessionDep) -> list[GuardOut]:
    """Every guard."""
    return [GuardOut.model_validate(g) for g in queries.guards(session)]


@router.post("/guards", response_model=GuardOut, status_code=201)
async def add_guard(data: GuardIn, who: Configurer, platform: PlatformDep) -> GuardOut:
    """Add a guard."""
    return GuardOut.model_validate(await svc.create(platform, who.actor, PatrolGuard, data))


@router.put("/guards/{ident}", response_model=GuardOut)
async def put_guard(ident: DbId, data: GuardIn, who: Configurer, platform: PlatformDep) -> GuardOut:
    """Replace a guard."""
    row = await svc.update(platform, who.actor, PatrolGuard, ident, data)
    return GuardOut.model_validate(row)


@router.delete("/guards/{ident}", status_code=204)
async def delete_guard(ident: DbId, who: Configurer, platform: PlatformDep) -> Response:
    """Delete a guard (their rounds keep the name they were walked under)."""
    await svc.remove(platform, who.actor, PatrolGuard, ident)
    return Response(status_code=204)


@router.get("/routes", response_model=list[RouteOut])
def list_routes(_: Reader, session: SessionDep) -> list[RouteOut]:
    """Every route with its points."""
    return [RouteOut.model_validate(r) for r in queries.routes(session)]


def _saved(saved: tuple[PatrolRoute, int, int]) -> RouteSaved:
    row, replanned, kept = saved
    out = RouteOut.model_validate(row).model_dump()
    return RouteSaved(**out, rounds_replanned=replanned, rounds_kept=kept)


@router.post("/routes", response_model=RouteSaved, status_code=201)
async def add_route(data: RouteIn, who: Configurer, platform: PlatformDep) -> RouteSaved:
    """Add a route."""
    return _saved(await svc.save_route(platform, who.actor, data))


@router.put("/routes/{ident}", response_model=RouteSaved)
async def put_route(
    ident: DbId, data: RouteIn, who: Configurer, platform: PlatformDep
) -> RouteSaved:
    """Replace a route: rounds not started follow the new plan, rounds under way keep
    theirs (the answer counts both)."""
    return _saved(await svc.save_route(platform, who.actor, data, ident))


@router.delete("/routes/{ident}", status_code=204)
async def delete_route(ident: DbId, who: Configurer, platform: PlatformDep) -> Response:
    """Delete a route that has no rounds on record (else disable it)."""
    await svc.remove(platform, who.actor, PatrolRoute, ident)
    return Response(status_code=204)


@router.get("/schedules", response_model=list[ScheduleOut])
def list_schedules(_: Reader, session: SessionDep) -> list[ScheduleOut]:
    """Every schedule."""
    return [ScheduleOut.model_validate(s) for s in queries.schedules(session)]


@router.post("/schedules", response_model=ScheduleOut, status_code=201)
async def add_schedule(data: ScheduleIn, who: Configurer, platform: PlatformDep) -> ScheduleOut:
    """Add a schedule."""
    return ScheduleOut.model_validate(await svc.save_schedule(platform, who.actor, data))


@router.put("/schedules/{ident}", response_model=ScheduleOut)
async def put_schedule(
    ident: DbId, data: ScheduleIn, who: Configurer, platform: PlatformDep
) -> ScheduleOut:
    """Replace a schedule (its rounds not started are planned again)."""
    row = await svc.save_schedule(platform, who.actor, data, ident)
    return ScheduleOut.model_validate(row)


@router.delete("/schedules/{ident}", status_code=204)
async def delete_schedule(ident: DbId, who: Configurer, platform: PlatformDep) -> Response:
    """Delete a schedule that has no rounds on record (else disable it)."""
    await svc.remove(platform, who.actor, PatrolSchedule, ident)
    return Response(status_code=204)


@router.get("/holidays", response_model=list[HolidayOut])
def list_holidays(_: Reader, session: SessionDep) -> list[HolidayOut]:
    """Every holiday."""
    return [HolidayOut.model_validate(h) for h in queries.holidays(session)]


@router.put("/holidays", response_model=HolidayOut)
async def put_holiday(data: HolidayIn, who: Configurer, platform: PlatformDep) -> HolidayOut:
    """Add or rename a holiday."""
    row = await svc.set_holiday(platform, who.actor, data.day, data.name)
    return HolidayOut.model_validate(row)


@router.delete("/holidays/{day}", status_code=204)
async def delete_holiday(day: date, who: Configurer, platform: PlatformDep) -> Response:
    """Remove a holiday."""
    await svc.drop_holiday(platform, who.actor, day)
    return Response(status_code=204)


@router.get("/rounds", response_model=list[RoundOut])
def list_rounds(
    _: Reader,
    session: SessionDep,
    platform: PlatformDep,
    day: date | None = None,
    route_id: DbId | None = None,
) -> list[RoundOut]:
    """A day's rounds (default today, site time) with each point's live state."""
    today = utcnow().astimezone(ZoneInfo(platform.settings.site_timezone)).date()
    return queries.rounds_of(session, day or today, route_id)


@router.get("/checkins", response_model=list[CheckinOut])
def list_checkins(
    _: Reader,
    session: SessionDep,
    verdict: Verdict | None = None,
    since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[CheckinOut]:
    """The latest check-ins with their verdicts (why one did not count)."""
    return queries.checkins(session, verdict, since, limit)
