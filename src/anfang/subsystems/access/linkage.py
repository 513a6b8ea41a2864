"""Access alarms linked to cameras: a forced door, a duress code or a watch-list hit asks
video for a snapshot and a clip from the cameras nearest to the door (issue 4's event media).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from anfang.core.linkage import AlarmCameraLinker
from anfang.site.cameras import nearest_cameras
from anfang.store.models import Alarm

if TYPE_CHECKING:
    from anfang.kernel import Kernel

LINKED_KINDS = frozenset({"access.door_forced", "access.duress", "face.watchlist_hit"})
CLIP_PARAMS = {"pre_s": 10, "post_s": 20}
CAMERAS = 2


def make_access_linkage(platform: Kernel) -> AlarmCameraLinker:
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
