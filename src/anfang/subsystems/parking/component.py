"""The car-park component: the plate-read writer hook, barrier opening for granted reads
(through access control's :data:`DOOR_OPENER`, after the read is durable), the linkage of
black-list alarms to the cameras nearest the lane (snapshot and clip), and the plate
recogniser's worker processes (:data:`LPR`, unless ``ANFANG_PARKING_LPR_WORKERS=0``)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import Counter

from anfang.core.capabilities import DOOR_OPENER
from anfang.core.errors import DomainError
from anfang.core.linkage import AlarmCameraLinker
from anfang.site.cameras import nearest_cameras
from anfang.store.models import Alarm
from anfang.subsystems.parking.reads import ReadHook
from anfang.subsystems.parking.recognize import LPR, RecognizerPool

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
OPENS = Counter("anfang_parking_barrier_opens_total", "Barrier opens for plates", ["result"])
LINKED_KINDS = frozenset({"parking.blacklist"})
CLIP_PARAMS = {"pre_s": 10, "post_s": 20}
ACTOR = "parking:lpr"


class ParkingComponent:
    """Keeps the read hook, opens barriers, links black-list alarms to cameras."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.hook = ReadHook(self._schedule_open)
        platform.writer.hooks.append(self.hook)
        self.linker = AlarmCameraLinker(
            platform.bus, platform.linkage, LINKED_KINDS, self._targets, CLIP_PARAMS, "parking"
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opening: set[asyncio.Task[None]] = set()
        workers = platform.settings.parking_lpr_workers
        self.lpr = RecognizerPool(workers) if workers else None
        if self.lpr is not None:
            platform.capabilities.provide(LPR, self.lpr)

    async def start(self) -> None:
        """Load lanes and lists; listen for black-list alarms."""
        self._loop = asyncio.get_running_loop()
        await self.platform.writer.run(lambda ctx: self.hook.load(ctx.session))
        await self.linker.start()

    async def stop(self) -> None:
        """Stop listening; let barrier opens under way finish."""
        await self.linker.stop()
        if self._opening:
            await asyncio.wait(self._opening, timeout=5)
        self._loop = None
        if self.lpr is not None:
            await self.lpr.close()

    def _schedule_open(self, barrier: str, plate: str, why: str) -> None:
        # Called on the writer thread after commit: hand over to the event loop.
        loop = self._loop
        if loop is None:
            return
        loop.call_soon_threadsafe(self._spawn, barrier, plate, why)

    def _spawn(self, barrier: str, plate: str, why: str) -> None:
        task = asyncio.create_task(self._open(barrier, why), name=f"parking-open-{plate}")
        self._opening.add(task)
        task.add_done_callback(self._opening.discard)

    async def _open(self, barrier: str, why: str) -> None:
        opener = self.platform.capabilities.get(DOOR_OPENER)
        if opener is None:
            OPENS.labels("no_access").inc()
            log.error("barrier %s not opened (%s): access control is not running", barrier, why)
            return
        try:
            await opener.open_door(barrier, ACTOR, f"车牌放行 {why}")
            OPENS.labels("ok").inc()
        except DomainError as refused:  # no such door (not set up yet), door offline…
            OPENS.labels("refused").inc()
            log.error("barrier %s not opened (%s): %s", barrier, why, refused.message)
        except Exception:
            OPENS.labels("failed").inc()
            log.exception("barrier %s not opened (%s)", barrier, why)

    def _targets(self, alarm_id: str) -> tuple[str, tuple[str, ...], int | None, datetime] | None:
        with self.platform.read_session() as session:
            alarm = session.get(Alarm, alarm_id)
            if alarm is None:
                return None
            cams = nearest_cameras(session, alarm.zone_id, alarm.device_id, 2)
            return alarm.first_event_id, tuple(cams), alarm.site_id, alarm.created_at


def make(platform: Kernel) -> ParkingComponent:
    """The component factory named in the subsystem registration."""
    return ParkingComponent(platform)
