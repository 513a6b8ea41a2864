"""Maintenance's API (read: ``compliance.read``; work: ``maintenance.work``): work orders,
a device's history, the inventory's product data."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Response

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.compliance import maintenance, maintenance_views
from anfang.compliance.schemas_maintenance import (
    AssignIn,
    CloseIn,
    DeviceHistory,
    ProductIn,
    WorkOrderIn,
    WorkOrderOut,
)

router = APIRouter(prefix="/maintenance", tags=["maintenance"])
Reader = Annotated[Principal, Depends(require(Perm.COMPLIANCE_READ, Perm.MAINTENANCE))]
Worker = Annotated[Principal, Depends(require(Perm.MAINTENANCE))]
Code = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/orders", response_model=list[WorkOrderOut])
def work_orders(
    _: Reader,
    s: SessionDep,
    state: Literal["open", "assigned", "closed"] | None = None,
    device: str | None = None,
) -> list[WorkOrderOut]:
    """Work orders, newest first (``state=open`` includes assigned ones)."""
    return maintenance.listing(s, state, device)


@router.post("/orders", response_model=WorkOrderOut, status_code=201)
async def open_order(data: WorkOrderIn, who: Worker, platform: PlatformDep) -> WorkOrderOut:
    """Open a work order by hand (its SLA by priority: 4 h, 24 h, 72 h, 7 days)."""
    wid = await maintenance.open_order(platform, who.actor, data)
    return await maintenance_views.one(platform, wid)


@router.post("/orders/{order_id}/assign", response_model=WorkOrderOut)
async def assign(
    order_id: DbId, data: AssignIn, who: Worker, platform: PlatformDep
) -> WorkOrderOut:
    """Assign a work order to a maintainer."""
    await maintenance.assign(platform, who.actor, order_id, data.assignee)
    return await maintenance_views.one(platform, order_id)


@router.post("/orders/{order_id}/close", response_model=WorkOrderOut)
async def close(order_id: DbId, data: CloseIn, who: Worker, platform: PlatformDep) -> WorkOrderOut:
    """Close a work order with what was done and the evidence (photos, reports)."""
    files = await maintenance_views.attachments(platform, data)
    await maintenance.close(platform, who.actor, order_id, data.note, files)
    return await maintenance_views.one(platform, order_id)


@router.get("/devices/{code}", response_model=DeviceHistory)
def device_history(code: Code, _: Reader, s: SessionDep) -> DeviceHistory:
    """A device's product data and work orders."""
    return maintenance_views.history(s, code)


@router.put("/devices/{code}/product", status_code=204, response_class=Response)
async def set_product(code: Code, data: ProductIn, who: Worker, platform: PlatformDep) -> Response:
    """Record a device's product data: manufacturer, model, CCC or test report, firmware,
    install date (audited)."""
    await maintenance_views.set_product(platform, who.actor, code, data)
    return Response(status_code=204)
