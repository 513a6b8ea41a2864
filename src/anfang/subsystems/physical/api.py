"""REST API of physical protection (mounted under ``/api/v1``): the inventory
(``physical.manage``), inspections and repairs (``alarms.handle``), reads (``site.read``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.store.base import utcnow
from anfang.subsystems.physical import queries
from anfang.subsystems.physical import service as svc
from anfang.subsystems.physical.rules import Kind
from anfang.subsystems.physical.schemas import (
    InspectionIn,
    InspectionOut,
    ItemIn,
    ItemOut,
    RepairIn,
    RepairOut,
    RepairUpdate,
    Summary,
)

router = APIRouter(prefix="/physical", tags=["physical"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Manager = Annotated[Principal, Depends(require(Perm.PHYSICAL_MANAGE))]
Handler = Annotated[Principal, Depends(require(Perm.ALARMS_HANDLE))]


@router.get("/items", response_model=list[ItemOut])
def list_items(_: Reader, session: SessionDep, kind: Kind | None = None) -> list[ItemOut]:
    """The inventory, each item with the rules it falls short of."""
    return queries.items(session, kind)


@router.post("/items", response_model=ItemOut, status_code=201)
async def add_item(data: ItemIn, who: Manager, platform: PlatformDep) -> ItemOut:
    """Add a fence, wall, door, grille, bollard or gate."""
    return svc.item_out(await svc.save_item(platform, who.actor, data))


@router.put("/items/{ident}", response_model=ItemOut)
async def put_item(ident: DbId, data: ItemIn, who: Manager, platform: PlatformDep) -> ItemOut:
    """Replace an item."""
    return svc.item_out(await svc.save_item(platform, who.actor, data, ident))


@router.get("/inspections", response_model=list[InspectionOut])
def list_inspections(
    _: Reader,
    session: SessionDep,
    item_id: DbId | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[InspectionOut]:
    """The latest inspections."""
    return [InspectionOut.model_validate(r) for r in queries.inspections(session, item_id, limit)]


@router.post("/inspections", response_model=InspectionOut, status_code=201)
async def add_inspection(data: InspectionIn, who: Handler, platform: PlatformDep) -> InspectionOut:
    """Record an inspection; a failed line opens a repair record."""
    return InspectionOut.model_validate(await svc.inspect(platform, who.actor, data))


@router.get("/repairs", response_model=list[RepairOut])
def list_repairs(
    _: Reader,
    session: SessionDep,
    state: Literal["open", "in_progress", "closed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[RepairOut]:
    """Repairs by deadline (``open``: every one not closed)."""
    return queries.repairs(session, state, utcnow(), limit)


@router.post("/repairs", response_model=RepairOut, status_code=201)
async def add_repair(data: RepairIn, who: Handler, platform: PlatformDep) -> RepairOut:
    """Open a repair record by hand."""
    return queries.repair_out(await svc.add_repair(platform, who.actor, data), utcnow())


@router.patch("/repairs/{ident}", response_model=RepairOut)
async def patch_repair(
    ident: DbId, data: RepairUpdate, who: Handler, platform: PlatformDep
) -> RepairOut:
    """Assign, reschedule or close (with evidence) a repair."""
    return queries.repair_out(await svc.update_repair(platform, who.actor, ident, data), utcnow())


@router.get("/summary", response_model=Summary)
def summary(_: Reader, session: SessionDep) -> Summary:
    """Items by kind, non-compliant, damaged, repairs open and overdue, inspections."""
    return queries.summary(session, utcnow())
