"""REST API of the monitoring centre (mounted under ``/api/v1``): the alarm history
(``alarms.read``), shifts, the duty log and the hand-over (``center.duty``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime

from anfang.api import pages
from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.subsystems.center import health, queries
from anfang.subsystems.center import service as svc
from anfang.subsystems.center.schemas import (
    AcceptIn,
    HandoverIn,
    HistoryPage,
    LogIn,
    LogOut,
    ShiftLog,
    ShiftOut,
)

router = APIRouter(prefix="/center", tags=["center"])
Reader = Annotated[Principal, Depends(require(Perm.ALARMS_READ))]
Duty = Annotated[Principal, Depends(require(Perm.CENTER_DUTY))]
StateQ = Literal["open", "closed", "new", "acknowledged", "dispatched", "resolved", "false_alarm"]
Disposition = Literal["real", "false", "test", "maintenance"]


@router.get("/alarms", response_model=HistoryPage)
def alarm_history(
    _: Reader,
    session: SessionDep,
    platform: PlatformDep,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    kind: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9_.*]+$")] = None,
    zone_id: DbId | None = None,
    household_id: DbId | None = None,
    disposition: Disposition | None = None,
    state: StateQ | None = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    before: Annotated[str | None, Query(min_length=26, max_length=26)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Alarms, open or closed, newest first, by time, kind (exact or ``prefix.*``), zone,
    household, disposition, state, source and text in the title."""
    f = svc.HistoryFilter(
        since, until, kind, zone_id, household_id, disposition, state, source, q, before, limit
    )
    return pages.page(*svc.history(session, platform, f))


@router.get("/health")
def device_health(
    _: Reader, session: SessionDep, days: Annotated[int, Query(ge=1, le=90)] = 7
) -> dict[str, Any]:
    """Every device's state, last contact and availability over ``days`` (from its own
    offline/online events), and per subsystem the devices by state and the open alarms."""
    return health.health(session, days)


@router.get("/duty", response_model=ShiftOut | None)
def on_duty(_: Reader, session: SessionDep) -> ShiftOut | None:
    """The shift on duty now (or being handed over); null when nobody is."""
    return queries.on_duty(session)


@router.get("/shifts", response_model=list[ShiftOut])
def list_shifts(
    _: Reader, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[ShiftOut]:
    """The latest shifts, newest first."""
    return queries.shifts(session, limit)


@router.post("/shifts", response_model=ShiftOut, status_code=201)
async def start_shift(who: Duty, platform: PlatformDep) -> ShiftOut:
    """Go on duty (409 ``shift_taken`` while someone else is: take over by hand-over)."""
    return ShiftOut.model_validate(await svc.start(platform, who.actor))


@router.get("/shifts/{shift_id}/log", response_model=ShiftLog)
def shift_log(shift_id: DbId, _: Reader, session: SessionDep) -> ShiftLog:
    """A shift's duty log with the alarms, patrols, visitors and cars of its hours."""
    return queries.shift_log(session, shift_id)


@router.post("/log", response_model=LogOut, status_code=201)
async def add_log(data: LogIn, who: Duty, platform: PlatformDep) -> LogOut:
    """Write a line to the current shift's duty log (409 ``no_shift`` when nobody is on duty)."""
    return LogOut.model_validate(await svc.add_log(platform, who.actor, data))


@router.post("/shifts/{shift_id}/handover", response_model=ShiftOut)
async def hand_over(shift_id: DbId, data: HandoverIn, who: Duty, platform: PlatformDep) -> ShiftOut:
    """The outgoing operator signs the hand-over; what is open is frozen into it."""
    return ShiftOut.model_validate(await svc.handover(platform, who.actor, shift_id, data))


@router.post("/shifts/{shift_id}/accept", response_model=ShiftOut)
async def accept(shift_id: DbId, data: AcceptIn, who: Duty, platform: PlatformDep) -> ShiftOut:
    """The incoming operator (another person) signs: their shift starts, and the alarms
    the outgoing operator held are handed to them. Answers the new shift."""
    return ShiftOut.model_validate(await svc.accept(platform, who.actor, shift_id, data))
