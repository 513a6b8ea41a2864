"""REST API of perimeter zones (mounted under ``/api/v1``): schedules, bypass, cameras."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.kernel import Kernel
from anfang.subsystems.perimeter import service as svc
from anfang.subsystems.perimeter.models import (
    BypassIn,
    ScheduleIn,
    ZoneStateOut,
)
from anfang.subsystems.perimeter.state import PERIMETER_STATE, PerimeterState

router = APIRouter(tags=["perimeter"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Handler = Annotated[Principal, Depends(require(Perm.ALARMS_HANDLE))]
Configurer = Annotated[Principal, Depends(require(Perm.ALARM_DEFS_WRITE))]


def _state(platform: Kernel) -> PerimeterState:
    state = platform.capabilities.get(PERIMETER_STATE)
    if state is None:
        raise HTTPException(503, "the perimeter subsystem is not running")
    return state


@contextmanager
def _http_errors() -> Iterator[None]:
    try:
        yield
    except svc.PerimeterError as exc:
        raise HTTPException(exc.status, exc.message) from exc


@router.get("/perimeter/zones", response_model=list[ZoneStateOut])
def list_zones(_: Reader, session: SessionDep, platform: PlatformDep) -> list[ZoneStateOut]:
    """Every perimeter zone: map geometry, schedule, bypass, whether it is armed now."""
    return svc.list_zones(session, _state(platform))


@router.get("/perimeter/zones/{zone_id}", response_model=ZoneStateOut)
def get_zone(zone_id: DbId, _: Reader, session: SessionDep, platform: PlatformDep) -> ZoneStateOut:
    """One perimeter zone."""
    with _http_errors():
        return svc.zone_detail(session, _state(platform), zone_id)


@router.get("/perimeter/zones/{zone_id}/cameras", response_model=list[str])
def zone_cameras(zone_id: DbId, _: Reader, session: SessionDep) -> list[str]:
    """The codes of the cameras an alarm in this zone is linked to, nearest first."""
    with _http_errors():
        return svc.zone_cameras(session, zone_id)


@router.put("/perimeter/zones/{zone_id}/schedule", response_model=ZoneStateOut)
async def put_schedule(
    zone_id: DbId, data: ScheduleIn, who: Configurer, platform: PlatformDep
) -> ZoneStateOut:
    """Set the zone's weekly arming schedule (site timezone; null: always armed)."""
    with _http_errors():
        return await svc.put_schedule(platform, _state(platform), who.actor, zone_id, data)


@router.post("/perimeter/zones/{zone_id}/bypass", response_model=ZoneStateOut)
async def bypass(
    zone_id: DbId, data: BypassIn, who: Handler, platform: PlatformDep
) -> ZoneStateOut:
    """Bypass the zone for a limited time (audited); it re-arms by itself."""
    with _http_errors():
        return await svc.bypass(platform, _state(platform), who.actor, zone_id, data)


@router.delete("/perimeter/zones/{zone_id}/bypass", response_model=ZoneStateOut)
async def unbypass(zone_id: DbId, who: Handler, platform: PlatformDep) -> ZoneStateOut:
    """End the zone's bypass now (audited)."""
    with _http_errors():
        return await svc.unbypass(platform, _state(platform), who.actor, zone_id)
