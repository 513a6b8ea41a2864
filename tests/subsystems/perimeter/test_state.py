"""Intrusions from a host's disarmed partition are stored without an alarm."""

from __future__ import annotations

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import EventRow
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from tests.subsystems.perimeter.conftest import Fence, alarms, intrusions, send

BA3 = SiaEvent("BA", zone="3", partition="1")


async def test_a_disarmed_host_stores_intrusions_without_alarm(
    platform: Platform, fence: Fence
) -> None:
    await send(platform, 1, SiaEvent("OP", zone="3", partition="1"))  # user 3 disarms
    with platform.read_session() as s:
        (ev,) = s.scalars(select(EventRow).where(EventRow.kind == "perimeter.disarmed")).all()
    assert ev.source == "SIA-5678" and ev.zone_id is None  # user 3 is not zone 3
    await send(platform, 2, BA3)
    assert intrusions(platform)[0].payload["no_alarm"] == "partition_disarmed"
    assert alarms(platform) == []
