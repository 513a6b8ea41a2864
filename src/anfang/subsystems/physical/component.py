"""The physical-protection component: the damage hook, and the clock that raises
``physical.repair_overdue`` once for each open repair past its deadline (again after the
deadline is moved and passed again)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from anfang.core.events import Event
from anfang.core.facts import fact_sources
from anfang.core.tasks import stop_task
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.subsystems.physical import facts
from anfang.subsystems.physical.damage import DamageHook
from anfang.subsystems.physical.models import PhysicalItem, PhysicalRepair

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
CHECK_EVERY_S = 60.0


def raise_overdue(ctx: WriteContext) -> int:
    """Emit the overdue events now due; how many."""
    now = utcnow()
    rows = ctx.session.scalars(
        select(PhysicalRepair).where(
            PhysicalRepair.state != "closed",
            PhysicalRepair.deadline < now,
            PhysicalRepair.overdue_alerted.is_(False),
        )
    ).all()
    for r in rows:
        item = ctx.session.get(PhysicalItem, r.item_id) if r.item_id else None
        payload = {
            "repair_id": r.id, "item": item.code if item else None,
            "item_name": item.name if item else None, "description": r.description,
            "assignee": r.assignee, "deadline": r.deadline.isoformat(),
        }  # fmt: skip
        ctx.emit(
            Event.create(
                "physical.repair_overdue", f"physical-repair-{r.id}", payload=payload,
                idempotency_key=f"physical:{r.id}:overdue:{r.deadline.isoformat()}",
            )
        )  # fmt: skip
        r.overdue_alerted = True
    return len(rows)


class PhysicalComponent:
    """Keeps the damage hook and the overdue clock."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        platform.writer.hooks.append(DamageHook())
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the clock."""
        self._task = asyncio.create_task(self._loop(), name="physical-overdue")

    async def stop(self) -> None:
        """Stop the clock."""
        await stop_task(self._task)
        self._task = None

    async def check_now(self) -> int:
        """Raise what is overdue (also used by tests)."""
        return await self.platform.writer.run(raise_overdue)

    async def _loop(self) -> None:
        while True:
            try:
                await self.check_now()
            except Exception:  # the database may be away; the next round retries
                log.warning("repair deadline check failed", exc_info=True)
            await asyncio.sleep(CHECK_EVERY_S)


def make(platform: Kernel) -> PhysicalComponent:
    """The component factory named in the subsystem registration."""
    fact_sources(platform.capabilities).add("physical", facts.facts)
    return PhysicalComponent(platform)
