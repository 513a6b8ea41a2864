"""Compliance's running part: a clock that raises overdue rectification orders, the
overdue registration with the police and overdue maintenance work orders (each once); the
work-order hook; the retention policy offered to the other parts."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from anfang.compliance import maintenance, orders, records
from anfang.core.capabilities import RETENTION
from anfang.core.facts import fact_sources
from anfang.core.tasks import stop_task
from anfang.core.writer import WriteContext

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
CHECK_EVERY_S = 60.0


def _due(ctx: WriteContext) -> int:
    return orders.raise_due(ctx) + maintenance.raise_overdue(ctx)


class ComplianceClock:
    """Checks deadlines every minute; the work-order hook opens orders from faults."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.hook = maintenance.WorkOrderHook()
        self.retention = records.Policy()
        platform.writer.hooks += [self.hook, self.retention]
        platform.capabilities.provide(RETENTION, self.retention)
        fact_sources(platform.capabilities).add("records", records.fact_source(self.retention))
        fact_sources(platform.capabilities).add("maintenance", maintenance.fact_source)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the clock."""
        self._task = asyncio.create_task(self._loop(), name="compliance-deadlines")

    async def stop(self) -> None:
        """Stop the clock."""
        await stop_task(self._task)
        self._task = None

    async def check_now(self) -> int:
        """Raise what is overdue now (also used by tests); how many orders."""
        return await self.platform.writer.run(_due)

    async def _loop(self) -> None:
        while True:
            try:
                await self.check_now()
            except Exception:  # the database may be away; the next round retries
                log.warning("compliance deadline check failed", exc_info=True)
            await asyncio.sleep(CHECK_EVERY_S)


def make(platform: Kernel) -> ComplianceClock:
    """The component factory named in the registration."""
    return ComplianceClock(platform)
