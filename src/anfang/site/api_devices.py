"""REST API of zones and devices (device secrets go in, never come out)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from anfang.api.deps import PlatformDep, SessionDep
from anfang.api.types import DbId
from anfang.site import reading
from anfang.site import schemas as s
from anfang.site import service as svc
from anfang.site.api_common import (
    DeviceWriter,
    Limit,
    Offset,
    SiteReader,
    SiteWriter,
    http_errors,
    paged,
)

router = APIRouter()


# --------------------------------------------------------------------------- zones


@router.get("/zones", response_model=list[s.ZoneOut], tags=["site"])
def list_zones(
    _: SiteReader,
    session: SessionDep,
    response: Response,
    site_id: DbId | None = None,
    kind: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Zones, optionally of one site or kind."""
    rows, total = reading.list_rows(
        session, svc.ZONE, {"site_id": site_id, "kind": kind}, limit, offset
    )
    paged(response, total)
    return rows


@router.post("/zones", response_model=s.ZoneOut, status_code=201, tags=["site"])
async def create_zone(data: s.ZoneCreate, who: SiteWriter, platform: PlatformDep) -> Any:
    """Create a zone; a perimeter zone longer than 70 m is refused (GB 50394)."""
    with http_errors():
        return await svc.create(platform, who.actor, svc.ZONE, data)


@router.get("/zones/{zone_id}", response_model=s.ZoneOut, tags=["site"])
def get_zone(zone_id: DbId, _: SiteReader, session: SessionDep) -> Any:
    """One zone."""
    with http_errors():
        return reading.get_row(session, svc.ZONE, zone_id)


@router.patch("/zones/{zone_id}", response_model=s.ZoneOut, tags=["site"])
async def update_zone(
    zone_id: DbId, data: s.ZoneUpdate, who: SiteWriter, platform: PlatformDep
) -> Any:
    """Change a zone (a new geometry recomputes the length unless one is given)."""
    with http_errors():
        return await svc.patch(platform, who.actor, svc.ZONE, zone_id, data)


@router.delete("/zones/{zone_id}", status_code=204, tags=["site"])
async def delete_zone(zone_id: DbId, who: SiteWriter, platform: PlatformDep) -> None:
    """Delete a zone; its devices stay, without a zone."""
    with http_errors():
        await svc.delete(platform, who.actor, svc.ZONE, zone_id)


# --------------------------------------------------------------------------- devices


@router.get("/devices", response_model=list[s.DeviceSummary], tags=["devices"])
def list_devices(
    _: SiteReader,
    session: SessionDep,
    response: Response,
    site_id: DbId | None = None,
    subsystem: str | None = None,
    type: str | None = None,
    zone_id: DbId | None = None,
    building_id: DbId | None = None,
    state: str | None = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Any:
    """Devices in short form, with their supervision state."""
    filters = {
        "site_id": site_id,
        "subsystem": subsystem,
        "type": type,
        "zone_id": zone_id,
        "building_id": building_id,
        "state": state,
    }
    rows, total = reading.device_summaries(session, filters, limit, offset)
    paged(response, total)
    return rows


@router.post("/devices", response_model=s.DeviceOut, status_code=201, tags=["devices"])
async def create_device(data: s.DeviceCreate, who: DeviceWriter, platform: PlatformDep) -> Any:
    """Register a device (its code must be new)."""
    with http_errors():
        return await svc.create(platform, who.actor, svc.DEVICE, data)


@router.get("/devices/{device_id}", response_model=s.DeviceOut, tags=["devices"])
def get_device(device_id: DbId, _: SiteReader, session: SessionDep) -> Any:
    """One device in full, without its secret."""
    with http_errors():
        return reading.get_row(session, svc.DEVICE, device_id)


@router.patch("/devices/{device_id}", response_model=s.DeviceOut, tags=["devices"])
async def update_device(
    device_id: DbId, data: s.DeviceUpdate, who: DeviceWriter, platform: PlatformDep
) -> Any:
    """Change a device; its state stays the supervisor's."""
    with http_errors():
        return await svc.patch(platform, who.actor, svc.DEVICE, device_id, data)


@router.delete("/devices/{device_id}", status_code=204, tags=["devices"])
async def delete_device(device_id: DbId, who: DeviceWriter, platform: PlatformDep) -> None:
    """Remove a device."""
    with http_errors():
        await svc.delete(platform, who.actor, svc.DEVICE, device_id)
