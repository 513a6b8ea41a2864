"""REST API of the site model: sites, the site map, buildings, units and households.

Zones and devices live in ``api_devices``, residents and imports in ``api_people``; all
are gathered in ``router`` (mounted under ``/api/v1``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from anfang.api.deps import PlatformDep, SessionDep
from anfang.api.types import DbId
from anfang.site import api_devices, api_people, reading
from anfang.site import schemas as s
from anfang.site import service as svc
from anfang.site.api_common import (
    Cascade,
    Limit,
    Offset,
    SiteReader,
    SiteWriter,
    http_errors,
    paged,
)

router = APIRouter(tags=["site"])


# --------------------------------------------------------------------------- sites


@router.get("/site", response_model=s.SiteMap)
def site_map(_: SiteReader, session: SessionDep) -> s.SiteMap:
    """The first (usually only) site with its buildings and zones: the console's map."""
    with http_errors():
        return reading.site_map(session)


@router.get("/sites", response_model=list[s.SiteOut])
def list_sites(
    _: SiteReader, session: SessionDep, response: Response, limit: Limit = 100, offset: Offset = 0
) -> Any:
    """All sites, one page at a time."""
    rows, total = reading.list_rows(session, svc.SITE, {}, limit, offset)
    paged(response, total)
    return rows


@router.post("/sites", response_model=s.SiteOut, status_code=201)
async def create_site(data: s.SiteCreate, who: SiteWriter, platform: PlatformDep) -> Any:
    """Create a site (its code must be new)."""
    with http_errors():
        return await svc.create(platform, who.actor, svc.SITE, data)


@router.get("/sites/{site_id}", response_model=s.SiteOut)
def get_site(site_id: DbId, _: SiteReader, session: SessionDep) -> Any:
    """One site."""
    with http_errors():
        return reading.get_row(session, svc.SITE, site_id)


@router.patch("/sites/{site_id}", response_model=s.SiteOut)
async def update_site(
    site_id: DbId, data: s.SiteUpdate, who: SiteWriter, platform: PlatformDep
) -> Any:
    """Change a site."""
    with http_errors():
        return await svc.patch(platform, who.actor, svc.SITE, site_id, data)


# --------------------------------------------------------------------------- buildings


@router.get("/buildings", response_model=list[s.BuildingOut])
def list_buildings(
    _: SiteReader,
    session: SessionDep,
    response: Response,
    site_id: DbId | None = None,
    kind: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Buildings and areas, optionally of one site or kind."""
    rows, total = reading.list_rows(
        session, svc.BUILDING, {"site_id": site_id, "kind": kind}, limit, offset
    )
    paged(response, total)
    return rows


@router.post("/buildings", response_model=s.BuildingOut, status_code=201)
async def create_building(data: s.BuildingCreate, who: SiteWriter, platform: PlatformDep) -> Any:
    """Create a building or area."""
    with http_errors():
        return await svc.create(platform, who.actor, svc.BUILDING, data)


@router.get("/buildings/{building_id}", response_model=s.BuildingOut)
def get_building(building_id: DbId, _: SiteReader, session: SessionDep) -> Any:
    """One building."""
    with http_errors():
        return reading.get_row(session, svc.BUILDING, building_id)


@router.patch("/buildings/{building_id}", response_model=s.BuildingOut)
async def update_building(
    building_id: DbId, data: s.BuildingUpdate, who: SiteWriter, platform: PlatformDep
) -> Any:
    """Change a building."""
    with http_errors():
        return await svc.patch(platform, who.actor, svc.BUILDING, building_id, data)


@router.delete("/buildings/{building_id}", status_code=204)
async def delete_building(
    building_id: DbId, who: SiteWriter, platform: PlatformDep, cascade: Cascade = False
) -> None:
    """Delete a building; one with households needs ``cascade=true``."""
    with http_errors():
        await svc.delete(platform, who.actor, svc.BUILDING, building_id, cascade=cascade)


# --------------------------------------------------------------------------- units


@router.get("/units", response_model=list[s.UnitOut])
def list_units(
    _: SiteReader,
    session: SessionDep,
    response: Response,
    building_id: DbId | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Units, optionally of one building."""
    rows, total = reading.list_rows(session, svc.UNIT, {"building_id": building_id}, limit, offset)
    paged(response, total)
    return rows


@router.post("/units", response_model=s.UnitOut, status_code=201)
async def create_unit(data: s.UnitCreate, who: SiteWriter, platform: PlatformDep) -> Any:
    """Create a unit in a building."""
    with http_errors():
        return await svc.create(platform, who.actor, svc.UNIT, data)


@router.get("/units/{unit_id}", response_model=s.UnitOut)
def get_unit(unit_id: DbId, _: SiteReader, session: SessionDep) -> Any:
    """One unit."""
    with http_errors():
        return reading.get_row(session, svc.UNIT, unit_id)


@router.patch("/units/{unit_id}", response_model=s.UnitOut)
async def update_unit(
    unit_id: DbId, data: s.UnitUpdate, who: SiteWriter, platform: PlatformDep
) -> Any:
    """Change a unit."""
    with http_errors():
        return await svc.patch(platform, who.actor, svc.UNIT, unit_id, data)


@router.delete("/units/{unit_id}", status_code=204)
async def delete_unit(
    unit_id: DbId, who: SiteWriter, platform: PlatformDep, cascade: Cascade = False
) -> None:
    """Delete a unit; one with households needs ``cascade=true``."""
    with http_errors():
        await svc.delete(platform, who.actor, svc.UNIT, unit_id, cascade=cascade)


# --------------------------------------------------------------------------- households


@router.get("/households", response_model=list[s.HouseholdOut])
def list_households(
    _: SiteReader,
    session: SessionDep,
    response: Response,
    unit_id: DbId | None = None,
    floor: Annotated[int | None, Query(ge=-10, le=200)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Households, optionally of one unit or floor."""
    rows, total = reading.list_rows(
        session, svc.HOUSEHOLD, {"unit_id": unit_id, "floor": floor}, limit, offset
    )
    paged(response, total)
    return rows


@router.post("/households", response_model=s.HouseholdOut, status_code=201)
async def create_household(data: s.HouseholdCreate, who: SiteWriter, platform: PlatformDep) -> Any:
    """Create a household (room numbers are unique within a unit)."""
    with http_errors():
        return await svc.create(platform, who.actor, svc.HOUSEHOLD, data)


@router.get("/households/{household_id}", response_model=s.HouseholdOut)
def get_household(household_id: DbId, _: SiteReader, session: SessionDep) -> Any:
    """One household."""
    with http_errors():
        return reading.get_row(session, svc.HOUSEHOLD, household_id)


@router.patch("/households/{household_id}", response_model=s.HouseholdOut)
async def update_household(
    household_id: DbId, data: s.HouseholdUpdate, who: SiteWriter, platform: PlatformDep
) -> Any:
    """Change a household."""
    with http_errors():
        return await svc.patch(platform, who.actor, svc.HOUSEHOLD, household_id, data)


@router.delete("/households/{household_id}", status_code=204)
async def delete_household(
    household_id: DbId, who: SiteWriter, platform: PlatformDep, cascade: Cascade = False
) -> None:
    """Delete a household; one with residents needs ``cascade=true``."""
    with http_errors():
        await svc.delete(platform, who.actor, svc.HOUSEHOLD, household_id, cascade=cascade)


router.include_router(api_devices.router)
router.include_router(api_people.router)
