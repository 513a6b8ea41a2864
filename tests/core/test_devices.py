"""Device supervision: silence → device.offline + alarm; return → device.online."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Alarm, Device, EventRow, Site


async def _add_device(p: Platform, code: str, interval: int | None) -> None:
    def job(ctx: WriteContext) -> None:
        site = ctx.session.scalar(select(Site).limit(1))
        if site is None:
            site = Site(code="S", name="站点")
            ctx.session.add(site)
            ctx.session.flush()
        ctx.session.add(
            Device(
                site_id=site.id,
                code=code,
                name=code,
                type="gate",
                subsystem="access",
                expected_interval_s=interval,
            )
        )
        ctx.mark_changed("devices")

    await p.writer.run(job)


def _kinds(p: Platform, source: str) -> list[str]:
    with p.read_session() as s:
        return list(
            s.scalars(select(EventRow.kind).where(EventRow.source == source).order_by(EventRow.id))
        )


def _state(p: Platform, code: str) -> str:
    with p.read_session() as s:
        dev = s.scalar(select(Device).where(Device.code == code))
        assert dev is not None
        return dev.state


async def test_silent_device_goes_offline_and_comes_back(platform: Platform) -> None:
    await _add_device(platform, "GATE-1", 30)
    await _add_device(platform, "CAM-1", None)
    await platform.pipeline.submit(Event.create("access.granted", "GATE-1"))
    assert _state(platform, "GATE-1") == "online"
    ev = await platform.supervisor.check_now()
    assert ev == []  # seen just now
    platform.devices._by_code["GATE-1"].last_seen = utcnow() - timedelta(seconds=31)
    platform.devices.started_at = utcnow() - timedelta(hours=1)
    offline = await platform.supervisor.check_now()
    assert [e.source for e in offline] == ["GATE-1"]  # CAM-1 is not supervised
    assert _state(platform, "GATE-1") == "offline"
    assert await platform.supervisor.check_now() == []  # raised once, not every round
    with platform.read_session() as s:
        alarm = s.scalar(select(Alarm).where(Alarm.kind == "device.offline"))
        assert alarm is not None and alarm.source == "GATE-1"
    # the device reports again: restore event, state online, the alarm stays latched
    await platform.pipeline.submit(Event.create("access.granted", "GATE-1"))
    assert _kinds(platform, "GATE-1") == [
        "access.granted",
        "device.offline",
        "access.granted",
        "device.online",
    ]
    assert _state(platform, "GATE-1") == "online"
    with platform.read_session() as s:
        alarm = s.scalar(select(Alarm).where(Alarm.kind == "device.offline"))
        assert alarm is not None and alarm.state == "new"


async def test_heartbeat_restores_an_offline_device(platform: Platform) -> None:
    await _add_device(platform, "PANEL-1", 10)
    platform.devices.started_at = utcnow() - timedelta(hours=1)
    await platform.supervisor.check_now()
    assert _state(platform, "PANEL-1") == "offline"
    assert await platform.writer.run(lambda ctx: platform.devices.heartbeat(ctx, "PANEL-1"))
    assert _state(platform, "PANEL-1") == "online"
    assert _kinds(platform, "PANEL-1") == ["device.offline", "device.online"]
    assert not await platform.writer.run(lambda ctx: platform.devices.heartbeat(ctx, "NOPE"))


async def test_events_carry_device_site_and_zone(platform: Platform) -> None:
    await _add_device(platform, "GATE-9", None)
    stored = await platform.pipeline.submit(Event.create("access.denied", "GATE-9"))
    assert stored.event.device_id is not None and stored.event.site_id is not None
