"""What maintenance's API answers, read off the event loop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.compliance import maintenance, service
from anfang.compliance.models import Product, WorkOrder
from anfang.compliance.schemas_maintenance import CloseIn, DeviceHistory, ProductIn, WorkOrderOut
from anfang.store.base import utcnow
from anfang.store.models import Device

if TYPE_CHECKING:
    from anfang.kernel import Kernel


async def one(platform: Kernel, order_id: int) -> WorkOrderOut:
    """One work order."""

    def read() -> WorkOrderOut:
        with platform.read_session() as s:
            w = s.get(WorkOrder, order_id)
            if w is None:
                raise service.NotFound(f"no work order {order_id}")
            return maintenance.out(w, utcnow())

    return await asyncio.to_thread(read)


async def attachments(platform: Kernel, data: CloseIn) -> list[dict[str, Any]]:
    """Store a closing's evidence files."""
    if not data.attachments:
        return []
    return await asyncio.to_thread(
        service.store_attachments, platform.settings.data_dir, data.attachments
    )


def history(s: Session, code: str) -> DeviceHistory:
    """A device's product data and work orders (404 for an unknown code)."""
    known = s.scalar(select(Device.id).where(Device.code == code))
    p = s.get(Product, code)
    orders = maintenance.listing(s, None, code)
    if known is None and p is None and not orders:
        raise service.NotFound(f"no device {code}")
    product = (
        None
        if p is None
        else ProductIn(
            manufacturer=p.manufacturer,
            model=p.model,
            certificate=p.certificate,
            firmware=p.firmware,
            installed_on=p.installed_on,
        )
    )
    return DeviceHistory(device_code=code, product=product, work_orders=orders)


async def set_product(platform: Kernel, actor: str, code: str, data: ProductIn) -> None:
    """Record product data for a known device (404 otherwise)."""

    def known() -> bool:
        with platform.read_session() as s:
            return s.scalar(select(Device.id).where(Device.code == code)) is not None

    if not await asyncio.to_thread(known):
        raise service.NotFound(f"no device {code}")
    await maintenance.set_product(platform, actor, code, data)
