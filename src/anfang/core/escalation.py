"""Escalation on a clock: an alarm left unacknowledged past its definition's limit is
escalated, at most ``max_level`` times.

Escalation notifies (an ``alarm.escalated`` event for supervisors and webhooks, the
level the console colours and sounds louder for); it never changes the priority. Raising
the priority without bound made 14 of 16 open alarms P1 after 12 minutes and buried a new
intrusion under them, and wrote ~4,000 events a minute at rest (issue 17).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import select

from anfang.core.alarms import AlarmEngine
from anfang.core.events import Event
from anfang.core.writer import WriteContext, Writer
from anfang.store.base import utcnow
from anfang.store.models import Alarm, AlarmTransition

log = logging.getLogger(__name__)


def escalate_due(engine: AlarmEngine, ctx: WriteContext, max_level: int) -> list[str]:
    """Escalate every alarm left unacknowledged past its limit, up to ``max_level``."""
    limits = engine.ack_limits()
    if not limits or max_level < 1:
        return []
    now = utcnow()
    done: list[str] = []
    rows = ctx.session.execute(
        select(Alarm).where(
            Alarm.state == "new",
            Alarm.escalation_level < max_level,
            Alarm.definition_id.in_(list(limits)),
        )
    ).scalars()
    for alarm in rows:
        since = alarm.escalated_at or alarm.created_at
        if now - since < timedelta(seconds=limits[alarm.definition_id]):
            continue
        alarm.escalation_level += 1
        alarm.escalated_at = now
        alarm.updated_at = now
        waited = int((now - alarm.created_at).total_seconds())
        ctx.session.add(
            AlarmTransition(
                alarm_id=alarm.id,
                from_state="new",
                to_state="new",
                actor="system",
                note="",
                at=now,
                code="escalated",
                data={"level": alarm.escalation_level, "waited_s": waited},
            )
        )
        ctx.emit(
            Event.create(
                "alarm.escalated",
                alarm.source,
                cause=[alarm.first_event_id],
                payload={
                    "alarm_id": alarm.id,
                    "level": alarm.escalation_level,
                    "waited_s": waited,
                    "priority": alarm.priority,
                },
            )
        )
        engine.changed(ctx, alarm)
        done.append(alarm.id)
    return done


class Escalator:
    """Runs the escalation check at a fixed interval."""

    def __init__(
        self, writer: Writer, engine: AlarmEngine, interval: float, max_level: int = 3
    ) -> None:
        self.writer = writer
        self.engine = engine
        self.interval = interval
        self.max_level = max_level
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

    async def run_once(self) -> list[str]:
        """One check now (tests and the loop)."""
        return await self.writer.run(lambda ctx: escalate_due(self.engine, ctx, self.max_level))

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.run_once()
            except Exception:  # database away: the next round retries
                log.warning("escalation check failed", exc_info=True)
