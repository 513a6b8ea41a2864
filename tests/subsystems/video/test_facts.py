"""What video states for the compliance checker: retention set and held per camera, and
the alarm → snapshot delay seen."""

from __future__ import annotations

from datetime import timedelta

from anfang.app.platform import Platform
from anfang.core.facts import FACT_SOURCES
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Alarm
from anfang.subsystems.video.facts import facts
from anfang.subsystems.video.models import AlarmMedia, Camera
from tests.subsystems.video.segfiles import add_camera, add_segments


async def test_retention_and_linkage(platform: Platform) -> None:
    now = utcnow()
    a = await add_camera(platform, "CAM-A")
    b = await add_camera(platform, "CAM-B")
    await add_segments(
        platform, a, [("a.mp4", now - timedelta(days=31), now - timedelta(days=31), 1)]
    )
    await add_segments(
        platform, b, [("b.mp4", now - timedelta(days=2), now - timedelta(days=2), 1)]
    )

    def job(ctx: WriteContext) -> None:
        cam = ctx.session.get(Camera, b)
        assert cam is not None
        cam.retention_days = 15
        alarm = ctx.session.query(Alarm).first()
        assert alarm is None  # no alarms yet: the delay is unknown
        for i, delay in enumerate((1.0, 2.0, 6.0)):
            ctx.session.add(
                Alarm(
                    id=f"01ALARM{i:019d}",
                    definition_id=1,
                    source="x",
                    kind="perimeter.intrusion",
                    title="t",
                    priority=1,
                    state="new",
                    first_event_id="e",
                    last_event_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
            ctx.session.add(
                AlarmMedia(
                    alarm_id=f"01ALARM{i:019d}",
                    kind="snapshot",
                    path="p",
                    sha256="0" * 64,
                    created_at=now + timedelta(seconds=delay),
                )
            )

    await platform.writer.run(job)
    with platform.read_session() as s:
        got = facts(s, now)
        assert platform.capabilities.require(FACT_SOURCES).names() == [
            "home_alarm",
            "maintenance",
            "physical",
            "records",
            "uplink",
            "video",
        ]
        assert set(platform.capabilities.require(FACT_SOURCES).collect(s, now)) >= set(got)
    assert got["video.cameras"].value == 2
    assert got["video.retention_days"].value == 15 and dict(got["video.retention_days"].items) == {
        "CAM-A": 30,
        "CAM-B": 15,
    }
    assert got["video.retention_held_days"].value == 2.0
    assert (
        got["video.linkage_delay_s"].value == 6.0
        and "3 次" in got["video.linkage_delay_s"].evidence
    )
