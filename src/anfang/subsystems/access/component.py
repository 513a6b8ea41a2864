"""The access subsystem's component factories: the access service (a writer hook and the
capability :data:`ACCESS`) and the linkage of access alarms to cameras: a forced door, a
duress code or a watch-list hit asks video for a snapshot and a clip from the cameras
nearest to the door. (Face recognition, ``anfang.face``, is registered with it too.)"""

from __future__ import annotations

from datetime import datetime

from anfang.core.capabilities import CAPTURES, DOOR_OPENER
from anfang.core.linkage import AlarmCameraLinker
from anfang.kernel import Kernel
from anfang.site.cameras import nearest_cameras
from anfang.store.models import Alarm
from anfang.subsystems.access import captures
from anfang.subsystems.access.service import ACCESS, AccessService


def make_access(platform: Kernel) -> AccessService:
    """Component factory: the access service, registered as a writer hook and a service."""
    svc = AccessService(platform)
    platform.writer.hooks.append(svc.directory)
    platform.capabilities.provide(ACCESS, svc)
    platform.capabilities.provide(DOOR_OPENER, svc)
    platform.capabilities.provide(CAPTURES, _Captures(platform))
    return svc


class _Captures:
    """The stored face captures, read for the police uplink (GA/T 1400 face records)."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform

    def read_capture(self, name: str) -> bytes | None:
        """The capture's JPEG, or None once retention removed it."""
        return captures.read(self.platform, name)


LINKED_KINDS = frozenset({"access.door_forced", "access.duress", "face.watchlist_hit"})
CLIP_PARAMS = {"pre_s": 10, "post_s": 20}
CAMERAS = 2


def make_linkage(platform: Kernel) -> AlarmCameraLinker:
    """The component factory named in the subsystem registration."""

    def targets(alarm_id: str) -> tuple[str, tuple[str, ...], int | None, datetime] | None:
        with platform.read_session() as session:
            alarm = session.get(Alarm, alarm_id)
            if alarm is None:
                return None
            cams = nearest_cameras(session, alarm.zone_id, alarm.device_id, CAMERAS)
            return alarm.first_event_id, tuple(cams), alarm.site_id, alarm.created_at

    return AlarmCameraLinker(
        platform.bus, platform.linkage, LINKED_KINDS, targets, CLIP_PARAMS, "access"
    )
