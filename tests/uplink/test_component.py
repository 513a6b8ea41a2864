"""The uplink end to end against the simulated upper platforms: registration, catalog,
alarms queued durably and sent in order, face records uploaded, state events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.models import AuditEntry
from anfang.subsystems.video.models import Segment
from anfang.uplink.models import OutboxItem
from anfang.uplink.sim_upper import SimUpper
from tests.subsystems.video.segfiles import add_camera
from tests.uplink.conftest import PASSWORD, UPPER_ID, add_devices, configure, until, uplink


async def test_registers_answers_the_catalog_and_sends_alarms(
    platform: Platform, upper: SimUpper
) -> None:
    await add_devices(platform, [("CAM-1", "camera"), ("CAM-2", "camera"), ("PB-1", "ir_beam")])
    pid = await configure(platform, port=upper.endpoint.local[1])
    link = uplink(platform).links[pid]
    await until(lambda: link.status.state == "registered")
    assert upper.seen.registers == 1
    assert link.status.clock_offset_s is not None and abs(link.status.clock_offset_s) < 2
    parts = await upper.query("Catalog")
    items = [i for p in parts for i in p.items]
    assert int(parts[0].fields["SumNum"]) == 3 == len(items)
    assert {i["DeviceID"][10:13] for i in items} == {"132", "134"}
    assert all(len(i["DeviceID"]) == 20 and i["ParentID"] == link.local_id for i in items)
    ev = Event.create("perimeter.intrusion", "PB-1", payload={"zone": 1})
    await platform.pipeline.submit(ev)
    await until(lambda: len(upper.seen.alarms) == 1, 10)
    alarm = upper.seen.alarms[0][1]
    assert alarm.fields["AlarmMethod"] == "2"
    assert alarm.device_id[10:13] == "134"
    await until(lambda: _sent(platform) == 1)
    with platform.read_session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "uplink.upload")).all()
    assert audit and "alarm:" in str(audit[-1].detail)


def _sent(platform: Platform) -> int:
    with platform.read_session() as s:
        return len(s.scalars(select(OutboxItem).where(OutboxItem.state == "sent")).all())


async def test_alarms_wait_for_an_unreachable_upper_and_go_in_order(
    platform: Platform, upper: SimUpper
) -> None:
    beams = [f"PB-{n}" for n in range(1, 6)]
    await add_devices(platform, [(b, "ir_beam") for b in beams])
    pid = await configure(platform, port=upper.endpoint.local[1])
    link = uplink(platform).links[pid]
    await until(lambda: link.status.state == "registered")
    upper.answer = False  # the upper drops everything: alarms wait in the outbox
    for beam in beams:
        await platform.pipeline.submit(Event.create("perimeter.intrusion", beam))
    with platform.read_session() as s:
        queued = s.scalars(select(OutboxItem).where(OutboxItem.state == "queued")).all()
    assert len(queued) == 5
    await asyncio.sleep(1.0)
    assert upper.seen.alarms == []
    upper.answer = True
    await until(lambda: _sent(platform) == 5, 60)
    sent_from = [
        uplink(platform).device_by_national(q.device_id, ["ir_beam"]) for _, q in upper.seen.alarms
    ]
    assert [d.code for d in sent_from if d] == beams  # in the order they were raised


async def test_queries_status_info_records_and_catalog_notifies(
    platform: Platform, upper: SimUpper
) -> None:
    cam_id = await add_camera(platform, "CAM-1")
    await add_devices(platform, [("PB-1", "ir_beam")])
    start = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)

    def segments(ctx: WriteContext) -> None:  # two joined segments, a gap, one more
        for a, b in ((0, 60), (60, 120), (300, 360)):
            ctx.session.add(
                Segment(
                    camera_id=cam_id,
                    start_at=start + timedelta(seconds=a),
                    end_at=start + timedelta(seconds=b),
                    bytes=1000,
                    path=f"x/{a}.mp4",
                )
            )

    await platform.writer.run(segments)
    pid = await configure(platform, port=upper.endpoint.local[1])
    link = uplink(platform).links[pid]
    await until(lambda: link.status.state == "registered")
    cam = uplink(platform).national_id("CAM-1", None) or ""
    beam = uplink(platform).national_id("PB-1", None) or ""
    status = (await upper.query("DeviceStatus", beam))[0]
    assert status.fields["Online"] == "ONLINE"
    info = (await upper.query("DeviceInfo"))[0]
    assert info.fields["Channel"] == "2"
    extra = "<StartTime>2026-12-06T08:59:00</StartTime><EndTime>2026-12-06T10:00:00</EndTime>"
    records = await upper.query("RecordInfo", cam, extra)
    spans = [(i["StartTime"], i["EndTime"]) for p in records for i in p.items]
    assert spans == [
        ("2026-12-06T09:00:00", "2026-12-06T09:02:00"),
        ("2026-12-06T09:05:00", "2026-12-06T09:06:00"),
    ]
    assert await upper.query("DeviceStatus", "34020000001320009999", wait=1.0) == []
    assert await upper.subscribe_catalog() == 200
    await platform.pipeline.submit(Event.create("device.offline", "PB-1"))
    await add_devices(platform, [("PB-2", "ir_beam")])
    await until(lambda: {i.get("Event") for n in upper.seen.notifies for i in n.items} >= {"ADD"})


async def test_a_clock_ten_minutes_off_is_measured(platform: Platform) -> None:
    upper = SimUpper(UPPER_ID, PASSWORD, clock_offset_s=600)
    await upper.start()
    try:
        pid = await configure(platform, port=upper.endpoint.local[1])
        link = uplink(platform).links[pid]
        await until(lambda: link.status.state == "registered")
        assert link.status.clock_offset_s is not None
        assert abs(link.status.clock_offset_s - 600) < 2
    finally:
        await upper.stop()
