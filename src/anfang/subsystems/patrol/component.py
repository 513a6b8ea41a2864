"""The guard-tour component: the check-in writer hook, and the clock that plans the
schedules' rounds (yesterday, today and tomorrow in the site's timezone) and judges every
open round each ``ANFANG_PATROL_EVAL_INTERVAL_SECONDS``."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from prometheus_client import Histogram
from sqlalchemy import select

from anfang.core.capabilities import Key
from anfang.core.tasks import stop_task
from anfang.store.base import utcnow
from anfang.subsystems.patrol.checkins import CheckinHook
from anfang.subsystems.patrol.evaluator import (
    Change,
    apply,
    checkpoint_names,
    judge,
    materialize,
    open_rounds,
    visits_for,
)
from anfang.subsystems.patrol.models import PatrolGuard

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
EVAL_SECONDS = Histogram(
    "anfang_patrol_evaluation_seconds", "Time to plan and judge the open guard-tour rounds"
)


class PatrolComponent:
    """Keeps the check-in hook and the round clock."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.hook = CheckinHook()
        platform.writer.hooks.append(self.hook)
        platform.capabilities.provide(PATROL, self)
        self.tz = ZoneInfo(platform.settings.site_timezone)
        self.interval = platform.settings.patrol_eval_interval_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Load the tags and start the clock."""
        await self.platform.writer.run(lambda ctx: self.hook.load(ctx.session))
        self._task = asyncio.create_task(self._loop(), name="patrol-rounds")

    async def stop(self) -> None:
        """Stop the clock."""
        await stop_task(self._task)
        self._task = None

    async def tick(self, now: datetime | None = None) -> int:
        """Plan and judge once (also used by tests and the benchmark); how many rounds
        changed."""
        at = now or utcnow()
        today = at.astimezone(self.tz).date()
        with EVAL_SECONDS.time():
            await self.platform.writer.run(
                lambda ctx: materialize(
                    ctx.session, today - timedelta(days=1), today + timedelta(days=1), self.tz
                )
            )
            changes, names = await asyncio.to_thread(self._judge, at)
            if changes:
                await self.platform.writer.run(lambda ctx: apply(ctx, changes, names))
        return len(changes)

    def _judge(self, now: datetime) -> tuple[list[Change], dict[int, str]]:
        with self.platform.read_session() as session:
            rounds = open_rounds(session, now)
            index = visits_for(session, rounds)
            guards = {k: v for k, v in session.execute(select(PatrolGuard.id, PatrolGuard.code))}
            return judge(rounds, index, guards, now), checkpoint_names(session)

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the database may be away; the next round retries
                log.warning("guard-tour evaluation failed", exc_info=True)
            await asyncio.sleep(self.interval)


PATROL: Key[PatrolComponent] = Key("patrol")


def make(platform: Kernel) -> PatrolComponent:
    """The component factory named in the subsystem registration."""
    return PatrolComponent(platform)
