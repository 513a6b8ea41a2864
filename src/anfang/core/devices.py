"""Device state and supervision: last seen, online/offline/fault/tamper, silence detection.

The tracker is a writer hook, so a device's state changes in the same transaction as the
event that changed it, and the offline/online events are stored with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anfang.core import kinds
from anfang.core.events import Event
from anfang.core.kinds import Severity
from anfang.core.writer import WriteContext, Writer
from anfang.store.base import utcnow
from anfang.store.models import Device

log = logging.getLogger(__name__)

# Supervision decides on- and offline; a device reports its own faults and tamper.
kinds.register("device.offline", Severity.HIGH, "设备离线", "Device offline", derived=True)
kinds.register(
    "device.online",
    Severity.INFO,
    "设备恢复在线",
    "Device back online",
    restore_of="device.offline",
    derived=True,
)
kinds.register("device.fault", Severity.MEDIUM, "设备故障", "Device fault")
kinds.register(
    "device.fault_restore",
    Severity.INFO,
    "设备故障恢复",
    "Device fault cleared",
    restore_of="device.fault",
)
kinds.register("device.tamper", Severity.HIGH, "设备防拆报警", "Device tamper")
kinds.register(
    "device.tamper_restore",
    Severity.INFO,
    "设备防拆恢复",
    "Device tamper cleared",
    restore_of="device.tamper",
)

# Events that set a device's state directly.
_STATE_OF_KIND = {
    "device.offline": "offline",
    "device.fault": "fault",
    "device.tamper": "tamper",
    "device.online": "online",
    "device.fault_restore": "online",
    "device.tamper_restore": "online",
}


@dataclass(slots=True)
class _Dev:
    id: int
    code: str
    site_id: int
    zone_id: int | None
    state: str
    last_seen: datetime | None
    interval: int | None
    enabled: bool


def device_json(d: _Dev) -> dict[str, Any]:
    """A device state change as published on the bus."""
    return {
        "id": d.id,
        "code": d.code,
        "state": d.state,
        "last_seen_at": d.last_seen.isoformat() if d.last_seen else None,
    }


class DeviceTracker:
    """Keeps device state and last-seen times in step with the events stored."""

    def __init__(self) -> None:
        self._by_code: dict[str, _Dev] = {}
        self.started_at = utcnow()

    # ------------------------------------------------------------- writer hook

    def load(self, session: Session) -> None:
        """Cache every device."""
        self._by_code = {
            d.code: _Dev(
                d.id,
                d.code,
                d.site_id,
                d.zone_id,
                d.state,
                d.last_seen_at,
                d.expected_interval_s,
                d.enabled,
            )
            for d in session.execute(select(Device)).scalars()
        }

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload after device edits."""
        if "devices" in topics:
            self.load(ctx.session)

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Attach device, site and zone to events; update state; emit restores."""
        extra: list[Event] = []
        touched: dict[int, _Dev] = {}
        for ev in events:
            dev = self._by_code.get(ev.source)
            if dev is None:
                continue
            ev.device_id = dev.id
            ev.site_id = dev.site_id
            if ev.zone_id is None:
                ev.zone_id = dev.zone_id
            if ev.kind != "device.offline" and (
                dev.last_seen is None or ev.received_at > dev.last_seen
            ):
                dev.last_seen = ev.received_at
            new_state = _STATE_OF_KIND.get(ev.kind)
            if new_state is None and dev.state in ("offline", "unknown"):
                if dev.state == "offline":
                    extra.append(self._restore(dev, ev))
                new_state = "online"
            if new_state is not None and new_state != dev.state:
                dev.state = new_state
            touched[dev.id] = dev
        if touched:
            ctx.session.execute(
                update(Device),
                [
                    {"id": d.id, "state": d.state, "last_seen_at": d.last_seen}
                    for d in touched.values()
                ],
            )
            for d in touched.values():
                ctx.publish("devices.state", device_json(d))
        return extra

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Nothing to do after insertion."""

    def _restore(self, dev: _Dev, cause: Event) -> Event:
        ev = Event.create(
            "device.online", dev.code, cause=[cause.id], payload={"after": cause.kind}
        )
        ev.device_id, ev.site_id, ev.zone_id = dev.id, dev.site_id, dev.zone_id
        dev.state = "online"
        return ev

    # ------------------------------------------------------------- heartbeats & silence

    def heartbeat(self, ctx: WriteContext, code: str) -> bool:
        """A device said it is alive; emits ``device.online`` if it was offline."""
        dev = self._by_code.get(code)
        if dev is None:
            return False
        now = utcnow()
        dev.last_seen = now
        if dev.state in ("offline", "unknown"):
            if dev.state == "offline":
                ctx.emit(Event.create("device.online", code, payload={"after": "heartbeat"}))
            else:
                dev.state = "online"
        ctx.session.execute(
            update(Device), [{"id": dev.id, "state": dev.state, "last_seen_at": now}]
        )
        return True

    def silent(self, ctx: WriteContext) -> list[Event]:
        """Emit ``device.offline`` for every supervised device silent past its interval."""
        now = utcnow()
        out: list[Event] = []
        for dev in self._by_code.values():
            if not dev.enabled or dev.interval is None or dev.state == "offline":
                continue
            since = dev.last_seen or self.started_at
            if now - since > timedelta(seconds=dev.interval):
                ev = Event.create(
                    "device.offline",
                    dev.code,
                    payload={
                        "last_seen_at": dev.last_seen.isoformat() if dev.last_seen else None,
                        "expected_interval_s": dev.interval,
                    },
                )
                ctx.emit(ev)
                out.append(ev)
        return out


class Supervisor:
    """Checks for silent devices at a fixed interval."""

    def __init__(self, writer: Writer, tracker: DeviceTracker, interval: float) -> None:
        self.writer = writer
        self.tracker = tracker
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Begin checking."""
        self._task = asyncio.create_task(self._loop(), name="device-supervision")

    async def stop(self) -> None:
        """Stop checking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def check_now(self) -> list[Event]:
        """Run one check (also used by tests)."""
        return await self.writer.run(self.tracker.silent)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check_now()
            except Exception:  # the database may be away; the next round retries
                log.warning("supervision check failed", exc_info=True)
