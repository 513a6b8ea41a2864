"""The zigbee2mqtt transport against the real Mosquitto at 127.0.0.1:1883 and a platform."""

from __future__ import annotations

import asyncio
import uuid
from asyncio.subprocess import DEVNULL
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiomqtt
import orjson
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.core.writer import StorageUnavailable, StoredEvent, WriteContext
from anfang.store.models import Device, EventRow, Site
from anfang.subsystems.home_alarm.adapters.mqtt_transport import MqttZ2MAdapter
from tests.conftest import free_port

HOST, PORT = "127.0.0.1", 1883
DEVICES = {"HA-DOOR-1": "front_door", "HA-SMOKE-1": "kitchen/smoke"}


async def until(cond: Callable[[], Awaitable[bool]], within_s: float = 10.0) -> None:
    """Wait until ``cond()`` holds, failing the test after ``within_s`` seconds."""
    deadline = asyncio.get_running_loop().time() + within_s
    while not await cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within_s} s")
        await asyncio.sleep(0.02)


def ignored(reason: str) -> float:
    value = REGISTRY.get_sample_value("anfang_mqtt_z2m_ignored_total", {"reason": reason})
    return value or 0.0


async def add_devices(platform: Platform) -> None:
    def fn(ctx: WriteContext) -> None:
        site = Site(code=f"S-{uuid.uuid4().hex[:6]}", name="测试小区")
        ctx.session.add(site)
        ctx.session.flush()
        for code, name in DEVICES.items():
            ctx.session.add(
                Device(
                    site_id=site.id,
                    code=code,
                    name=code,
                    type="sensor",
                    subsystem="home_alarm",
                    protocol="mqtt-z2m",
                    address=name,
                )
            )
        ctx.session.flush()
        ctx.mark_changed("devices")

    await platform.writer.run(fn)


def rows(platform: Platform, source: str) -> list[EventRow]:
    with platform.read_session() as s:
        q = select(EventRow).where(EventRow.source == source).order_by(EventRow.id)
        return list(s.scalars(q))


def device(platform: Platform, code: str) -> Device:
    with platform.read_session() as s:
        return s.scalars(select(Device).where(Device.code == code)).one()


async def mosquitto(port: int) -> asyncio.subprocess.Process:
    """A private Mosquitto broker on ``port`` (to take away and bring back)."""
    return await asyncio.create_subprocess_exec(
        "mosquitto", "-p", str(port), stdout=DEVNULL, stderr=DEVNULL
    )


class Rig:
    """A platform with devices, an adapter on a unique base topic, and a publisher."""

    def __init__(self, platform: Platform, port: int = PORT) -> None:
        self.platform = platform
        self.port = port
        self.base = f"anfang-test-{uuid.uuid4().hex}"
        self.client_id = f"anfang-test-{uuid.uuid4().hex[:12]}"
        self.adapter = self.new_adapter()

    def new_adapter(self) -> MqttZ2MAdapter:
        return MqttZ2MAdapter(
            self.platform, HOST, self.port, self.base, self.client_id, backoff_max_s=0.5
        )

    async def publish(self, name: str, payload: Any, *, suffix: str = "") -> None:
        raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        async with aiomqtt.Client(HOST, self.port) as pub:
            await pub.publish(f"{self.base}/{name}{suffix}", raw, qos=1)

    async def handled(self, n: int) -> None:
        async def done() -> bool:
            return self.adapter.handled >= n

        await until(done)

    async def kinds(self, code: str) -> list[str]:
        return [r.kind for r in await asyncio.to_thread(rows, self.platform, code)]


@pytest.fixture
async def rig(platform: Platform) -> AsyncIterator[Rig]:
    await add_devices(platform)
    r = Rig(platform)
    await r.adapter.start()
    await asyncio.wait_for(r.adapter.connected.wait(), 10)
    try:
        yield r
    finally:
        await r.adapter.stop()


async def test_contact_open_repeat_and_restore(rig: Rig) -> None:
    closed = {"contact": True, "tamper": False, "battery": 87, "linkquality": 120}
    opened = {**closed, "contact": False}
    for state in (closed, opened, {**opened, "linkquality": 90}, opened, closed):
        await rig.publish("front_door", state)
    await rig.handled(5)
    stored = await asyncio.to_thread(rows, rig.platform, "HA-DOOR-1")
    assert [r.kind for r in stored] == ["home_alarm.burglary", "home_alarm.restore"]
    dev = device(rig.platform, "HA-DOOR-1")
    assert stored[0].device_id == dev.id and stored[0].site_id == dev.site_id
    assert stored[0].payload == {"sensor": "contact", "open": True}
    assert stored[1].payload == {"condition": "home_alarm.burglary", "sensor": "contact"}
    assert dev.state == "online" and dev.last_seen_at is not None


async def test_heartbeat_without_change(rig: Rig) -> None:
    await rig.publish("kitchen/smoke", {"smoke": False, "battery": 100})
    await rig.handled(1)
    dev = device(rig.platform, "HA-SMOKE-1")
    assert dev.state == "online" and dev.last_seen_at is not None
    assert await rig.kinds("HA-SMOKE-1") == []


async def test_availability_offline_and_online(rig: Rig) -> None:
    await rig.publish("front_door", b"offline", suffix="/availability")
    await rig.handled(1)
    assert await rig.kinds("HA-DOOR-1") == ["device.offline"]
    assert device(rig.platform, "HA-DOOR-1").state == "offline"
    await rig.publish("front_door", {"state": "online"}, suffix="/availability")
    await rig.handled(2)
    assert await rig.kinds("HA-DOOR-1") == ["device.offline", "device.online"]
    assert device(rig.platform, "HA-DOOR-1").state == "online"


async def test_unknown_and_garbage_are_counted(rig: Rig) -> None:
    before = {r: ignored(r) for r in ("unknown_device", "bad_json", "not_object", "too_large")}
    await rig.publish("stranger", {"smoke": True})
    await rig.publish("front_door", b"\x00{garbage")
    await rig.publish("front_door", b"[1, 2, 3]")
    await rig.publish("front_door", b"{" + b" " * (64 * 1024) + b"}")
    await rig.publish("bridge/state", b"online")
    await rig.publish("kitchen/smoke", {"smoke": True})
    await rig.handled(6)
    assert await rig.kinds("HA-SMOKE-1") == ["home_alarm.fire"]
    assert await rig.kinds("stranger") == []
    for reason in before:
        assert ignored(reason) == before[reason] + 1, reason


async def test_storage_outage_is_retried(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    real = rig.platform.pipeline.submit_many
    failures = 2

    async def flaky(events: list[Event]) -> list[StoredEvent]:
        nonlocal failures
        if failures:
            failures -= 1
            raise StorageUnavailable("database away")
        return await real(events)

    monkeypatch.setattr(rig.platform.pipeline, "submit_many", flaky)
    await rig.publish("kitchen/smoke", {"smoke": True})
    await rig.handled(1)
    assert failures == 0
    assert await rig.kinds("HA-SMOKE-1") == ["home_alarm.fire"]


async def test_unstored_message_is_redelivered(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    real = rig.platform.pipeline.submit_many
    entered = asyncio.Event()

    async def never(events: list[Event]) -> list[StoredEvent]:
        entered.set()
        await asyncio.Event().wait()  # the process "dies" before the events are durable
        raise AssertionError

    monkeypatch.setattr(rig.platform.pipeline, "submit_many", never)
    await rig.publish("kitchen/smoke", {"smoke": True})
    await asyncio.wait_for(entered.wait(), 10)
    await rig.adapter.stop()
    assert await rig.kinds("HA-SMOKE-1") == []

    monkeypatch.setattr(rig.platform.pipeline, "submit_many", real)
    rig.adapter = rig.new_adapter()  # same client id: the broker kept the session
    await rig.adapter.start()
    await rig.handled(1)
    assert await rig.kinds("HA-SMOKE-1") == ["home_alarm.fire"]


async def test_reconnects_when_the_broker_returns(platform: Platform) -> None:
    await add_devices(platform)
    rig = Rig(platform, port=free_port())
    await rig.adapter.start()  # nothing listens yet: the adapter keeps trying
    broker = await mosquitto(rig.port)
    try:
        await asyncio.wait_for(rig.adapter.connected.wait(), 10)
        broker.terminate()
        await broker.wait()

        async def lost() -> bool:
            return not rig.adapter.connected.is_set()

        await until(lost)
        broker = await mosquitto(rig.port)
        await asyncio.wait_for(rig.adapter.connected.wait(), 10)
        await rig.publish("front_door", {"contact": False})
        await rig.handled(1)
        assert await rig.kinds("HA-DOOR-1") == ["home_alarm.burglary"]
    finally:
        await rig.adapter.stop()
        broker.terminate()
        await broker.wait()
