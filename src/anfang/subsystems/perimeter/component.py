"""The perimeter component: the zone-state writer hook, bypass expiry, and the linkage of
each new perimeter alarm to its nearest cameras.

Linkage listens on the bus subject ``alarms.changed``: for every alarm of kind
``perimeter.intrusion`` seen for the first time it asks ``platform.linkage`` for a
``snapshot`` and a ``clip`` (10 s before, 20 s after) from the zone's nearest cameras.
Video registers the handlers; until it does, the requests are recorded as unhandled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from anfang.core.capabilities import INTRUSION_HOOK
from anfang.core.linkage import AlarmCameraLinker
from anfang.site.cameras import nearest_cameras
from anfang.store.models import Alarm
from anfang.subsystems.perimeter.models import PerimeterZoneConfig
from anfang.subsystems.perimeter.state import PERIMETER_STATE, PerimeterState

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)

LINKED_KINDS = frozenset({"perimeter.intrusion"})
CLIP_PARAMS = {"pre_s": 10, "post_s": 20}


class PerimeterComponent:
    """Keeps zone state, ends bypasses on time and links alarms to cameras."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.state = PerimeterState(
            platform.alarms.skip_alarm, platform.settings.site_timezone, platform.audit
        )
        platform.writer.hooks.append(self.state)
        platform.capabilities.provide(PERIMETER_STATE, self.state)
        platform.capabilities.provide(INTRUSION_HOOK, self.state)
        self.interval = platform.settings.supervision_interval_seconds
        self.linker = AlarmCameraLinker(
            platform.bus, platform.linkage, LINKED_KINDS, self._targets, CLIP_PARAMS, "perimeter"
        )
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Load zone state, subscribe to alarm changes, start the bypass clock."""
        await self.platform.writer.run(lambda ctx: self.state.load(ctx.session))
        await self.linker.start()
        self._tasks = [asyncio.create_task(self._expiry_loop(), name="perimeter-bypass-expiry")]

    async def stop(self) -> None:
        """Stop listening and the clock."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.linker.stop()

    async def expire_now(self) -> int:
        """End the bypasses whose time is up (also used by tests); how many."""
        return len(await self.platform.writer.run(self.state.expire))

    async def _expiry_loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.expire_now()
            except Exception:  # the database may be away; the next round retries
                log.warning("perimeter bypass expiry failed", exc_info=True)

    def _targets(self, alarm_id: str) -> tuple[str, tuple[str, ...], int | None, datetime] | None:
        with self.platform.read_session() as session:
            alarm = session.get(Alarm, alarm_id)
            if alarm is None:
                return None
            cfg = session.get(PerimeterZoneConfig, alarm.zone_id) if alarm.zone_id else None
            count = cfg.cameras if cfg is not None else 2
            cams = nearest_cameras(session, alarm.zone_id, alarm.device_id, count)
            return alarm.first_event_id, tuple(cams), alarm.site_id, alarm.created_at


def make(platform: Kernel) -> PerimeterComponent:
    """The component factory named in the subsystem registration."""
    return PerimeterComponent(platform)
