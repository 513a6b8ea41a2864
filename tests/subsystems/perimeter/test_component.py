"""A perimeter alarm links its zone's nearest cameras once (snapshot and clip)."""

from __future__ import annotations

from anfang.app.platform import Platform
from anfang.core.linkage import LinkageRequest
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from tests.subsystems.perimeter.conftest import Fence, alarms, intrusions, send, until

BA3 = SiaEvent("BA", zone="3", partition="1")


async def test_intrusion_links_the_nearest_cameras_once(
    platform: Platform, fence: Fence, linked: list[LinkageRequest]
) -> None:
    await send(platform, 1, BA3)
    (ev,) = intrusions(platform)
    assert ev.zone_id == fence.zone_id and ev.source == "SIA-5678/Z3"
    (alarm,) = alarms(platform)
    assert alarm.zone_id == fence.zone_id
    await until(lambda: len(linked) == 2)
    snap, clip = linked
    assert (snap.action, clip.action) == ("snapshot", "clip")
    assert snap.cameras == clip.cameras == ("CAM-IN", "CAM-B")
    assert clip.params == {"pre_s": 10, "post_s": 20}
    assert snap.alarm_id == alarm.id and snap.event_id == ev.id
    # a repeat attaches to the open alarm: no second linkage; another zone is its own alarm
    await send(platform, 2, BA3)
    await send(platform, 3, SiaEvent("BA", zone="4", partition="1"))
    await until(lambda: len(linked) == 4)
    assert len(alarms(platform)) == 2
    assert linked[2].cameras == ("CAM-B", "CAM-A")
