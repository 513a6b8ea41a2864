"""zigbee2mqtt alarm sensors: the thin async MQTT transport (aiomqtt) around ``mqtt_z2m``.

A message is acknowledged to the broker (QoS 1 PUBACK) only after the events it caused
are durable: aiomqtt 2.5 has no acknowledgement API of its own, so the transport turns
on manual acknowledgement in the paho-mqtt client aiomqtt wraps and acknowledges each
message after ``pipeline.submit_many``. With a persistent session (``clean_session``
off, fixed client id) the broker redelivers what was not acknowledged after a reconnect.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import aiomqtt
from prometheus_client import Counter
from sqlalchemy import select

from anfang.core.events import Event, new_id
from anfang.core.tasks import stop_task
from anfang.core.writer import StorageUnavailable
from anfang.store.models import Device
from anfang.subsystems.home_alarm.adapters.mqtt_z2m import (
    DEFAULT_BASE,
    PROTOCOL,
    ChangeTracker,
    EventSpec,
    Rejected,
    parse_message,
)

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
IGNORED = Counter("anfang_mqtt_z2m_ignored_total", "MQTT sensor messages ignored", ["reason"])
EVENTS = Counter("anfang_mqtt_z2m_events_total", "Events made from MQTT sensor messages")


class MqttZ2MAdapter:
    """Subscribes to ``<base>/#`` and turns zigbee2mqtt device reports into stored events."""

    def __init__(
        self,
        platform: Kernel,
        host: str = "127.0.0.1",
        port: int = 1883,
        base_topic: str = DEFAULT_BASE,
        client_id: str = "anfang-z2m",
        *,
        device_refresh_s: float = 30.0,
        backoff_max_s: float = 30.0,
    ) -> None:
        self.platform = platform
        self.host = host
        self.port = port
        self.base = base_topic.rstrip("/")
        self.client_id = client_id
        self.device_refresh_s = device_refresh_s
        self.backoff_max_s = backoff_max_s
        self.tracker = ChangeTracker()
        self.connected = asyncio.Event()
        self.handled = 0  # messages fully handled (and acknowledged) since start
        self._codes: dict[str, str] = {}  # friendly name → device code
        self._loaded_at = -1e9
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start listening (connects in the background and keeps reconnecting)."""
        await self._refresh_devices()
        self._task = asyncio.create_task(self._run(), name=f"mqtt-z2m:{self.base}")

    async def stop(self) -> None:
        """Stop listening; a message being handled stays unacknowledged (redelivered)."""
        await stop_task(self._task)
        self._task = None
        self.connected.clear()

    # ------------------------------------------------------------- devices

    def _load_devices(self) -> dict[str, str]:
        with self.platform.read_session() as s:
            rows = s.execute(
                select(Device.address, Device.code).where(
                    Device.protocol == PROTOCOL, Device.enabled.is_(True)
                )
            )
            return {address: code for address, code in rows}

    async def _refresh_devices(self) -> None:
        self._codes = await asyncio.to_thread(self._load_devices)
        self._loaded_at = time.monotonic()

    async def _code_of(self, name: str) -> str | None:
        age = time.monotonic() - self._loaded_at
        # An unknown name may be a device added a moment ago: look again, at most once a
        # second, so a chatty stranger cannot turn every message into a query.
        if age > self.device_refresh_s or (name not in self._codes and age > 1.0):
            await self._refresh_devices()
        return self._codes.get(name)

    # ------------------------------------------------------------- connection

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                client = aiomqtt.Client(
                    self.host,
                    self.port,
                    identifier=self.client_id,
                    clean_session=False,
                    timeout=10,
                )
                paho = client._client  # the only way to manual acknowledgement in aiomqtt 2.5
                paho.manual_ack_set(True)
                async with client:
                    await client.subscribe(f"{self.base}/#", qos=1)
                    log.info("mqtt-z2m listening on %s:%s %s/#", self.host, self.port, self.base)
                    self.connected.set()
                    backoff = 0.5
                    async for message in client.messages:
                        await self._handle_safely(str(message.topic), bytes(message.payload))
                        paho.ack(message.mid, message.qos)
                        self.handled += 1
            except aiomqtt.MqttError as exc:
                self.connected.clear()
                log.warning("mqtt-z2m: broker unreachable (%s); retry in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.backoff_max_s)

    # ------------------------------------------------------------- messages

    async def _handle_safely(self, topic: str, payload: bytes) -> None:
        try:
            await self._handle(topic, payload)
        except Exception:  # a bug on one message must not stop the listener
            IGNORED.labels(reason="error").inc()
            log.exception("mqtt-z2m: %s could not be handled; dropped", topic)

    async def _handle(self, topic: str, payload: bytes) -> None:
        """Handle one message; returns once its events are durable. Never raises on data."""
        try:
            reading = parse_message(self.base, topic, payload)
        except Rejected as exc:
            IGNORED.labels(reason=exc.reason).inc()
            log.warning("mqtt-z2m: %s ignored: %s", topic, exc.message)
            return
        if reading is None:
            return
        code = await self._code_of(reading.friendly_name)
        if code is None:
            IGNORED.labels(reason="unknown_device").inc()
            log.warning("mqtt-z2m: unknown device %r on %s", reading.friendly_name, topic)
            return
        for name in reading.bad_fields:
            IGNORED.labels(reason="bad_type").inc()
            log.warning("mqtt-z2m: %s: field %r has a wrong type; ignored", topic, name)
        specs = self.tracker.changes(code, reading)
        if specs:
            await self._submit(code, specs)
        elif reading.online is not False:  # "offline" comes from the bridge, not the device
            await self._heartbeat(code)

    async def _submit(self, code: str, specs: list[EventSpec]) -> None:
        # One key per message and field, made once: a retried submission that was in
        # fact stored the first time is then stored once.
        mark = new_id()
        events = [
            Event.create(
                s.kind,
                source=code,
                payload=s.payload,
                idempotency_key=f"{PROTOCOL}:{code}:{mark}:{s.field}:{s.kind}",
            )
            for s in specs
        ]
        backoff = 0.2
        while True:
            try:
                await self.platform.pipeline.submit_many(events)
                EVENTS.inc(len(events))
                return
            except StorageUnavailable:
                log.warning("mqtt-z2m: storage unavailable; retrying in %.1f s", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.backoff_max_s)

    async def _heartbeat(self, code: str) -> None:
        platform = self.platform
        try:
            await platform.writer.run(lambda ctx: platform.devices.heartbeat(ctx, code))
        except StorageUnavailable:  # a lost sign of life costs nothing; the next one comes
            log.warning("mqtt-z2m: heartbeat of %s not stored", code)
