"""Escalation on a clock: unacknowledged alarms past their definition's limit escalate."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from anfang.core.alarms import AlarmEngine
from anfang.core.writer import Writer

log = logging.getLogger(__name__)


class Escalator:
    """Runs the escalation check at a fixed interval."""

    def __init__(self, writer: Writer, engine: AlarmEngine, interval: float) -> None:
        self.writer = writer
        self.engine = engine
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Begin checking."""
        self._task = asyncio.create_task(self._loop(), name="alarm-escalation")

    async def stop(self) -> None:
        """Stop checking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.writer.run(self.engine.escalate_due)
            except Exception:  # database away: the next round retries
                log.warning("escalation check failed", exc_info=True)
