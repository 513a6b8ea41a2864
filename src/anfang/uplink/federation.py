"""A community node's side of the district federation: every event, alarm change and device
state is written to a small outbox in the same transaction (a writer hook), and a publisher
sends the outbox to the district's NATS JetStream in order, deleting what JetStream
acknowledged. Cut off from the district, the community goes on working and the outbox
grows; reconnected, it catches up in order. A snapshot (open alarms, device counts) every
few seconds lets a district node that started late converge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext
from prometheus_client import Gauge
from sqlalchemy import delete, func, insert, select

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.kernel import Kernel
from anfang.store.base import utcnow
from anfang.store.models import Device
from anfang.uplink.adapters import district as wire
from anfang.uplink.adapters.district_link import connect
from anfang.uplink.models import FederationItem

log = logging.getLogger(__name__)
BACKLOG = Gauge("anfang_uplink_district_backlog", "Messages waiting for the district node")
LAST_SUCCESS = Gauge(
    "anfang_uplink_district_last_success_timestamp_seconds", "When the district last took one"
)
BATCH = 500
SNAPSHOT_S = 5.0
_SEEN = "uplink.federation_seen"
Row = tuple[int, str, dict[str, Any], float]  # id, topic, data, commit time


class DistrictPublisher:
    """Writer hook and publisher of one community node."""

    def __init__(self, platform: Kernel) -> None:
        s = platform.settings
        self.platform = platform
        self.url = s.uplink_district_url or ""
        self.stream = s.uplink_district_stream
        self.community = s.uplink_community or "community"
        self.name = s.uplink_community_name or self.community
        self.console_url = s.uplink_console_url
        self.connected = False
        self.sent = 0
        self._js: JetStreamContext | None = None
        self._nc: Client | None = None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ writer hook

    def load(self, session: Any) -> None:
        """Nothing cached."""

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Nothing to add."""
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Queue this batch's events, alarm changes and device states for the district."""
        now = utcnow()
        rows = [
            {"topic": "events", "data": wire.event_data(ev.to_json()), "created_at": now}
            for ev in events
        ]
        start = ctx.session.info.get(_SEEN, 0)
        ctx.session.info[_SEEN] = len(ctx.outbox)
        for subject, data in ctx.outbox[start:]:
            if subject == "alarms.changed":
                rows.append({"topic": "alarms", "data": wire.alarm_data(data), "created_at": now})
            elif subject == "devices.state":
                rows.append({"topic": "devices", "data": dict(data), "created_at": now})
        if rows:
            ctx.session.execute(insert(FederationItem), rows)
            ctx.after_commit(self._poke)

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Nothing cached."""

    def _poke(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    # ------------------------------------------------------------------ publisher

    async def start(self) -> None:
        """Start publishing (connecting in the background: the community never waits)."""
        self._loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self._run(), name="district-publisher"),
            asyncio.create_task(self._snapshots(), name="district-snapshots"),
        ]

    async def stop(self) -> None:
        """Stop and close the connection (the outbox keeps what was not sent)."""
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def _connect(self) -> JetStreamContext:
        backoff = 1.0
        while True:
            try:
                name = f"anfang-{self.community}"
                self._nc, self._js = await connect(self.url, self.stream, name)
                self.connected = True
                log.info("district: publishing to %s as %s", self.stream, self.community)
                return self._js
            except Exception as exc:  # any failure to connect is retried, never fatal
                self.connected = False
                log.warning("district NATS at %s unreachable: %s", self.url, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _run(self) -> None:
        js = await self._connect()
        retry = 0.5
        while True:
            rows = await asyncio.to_thread(self._pending)
            if not rows:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self._wake.wait()
                continue
            try:
                await self._publish(js, rows)
            except Exception as exc:  # unreachable or no ack: keep the rows, try again
                self.connected = False
                log.info("district: publish failed (%s); %d waiting", exc, len(rows))
                await asyncio.sleep(retry)
                retry = min(retry * 2, 10.0)
                continue
            retry, self.connected = 0.5, True
            last = rows[-1][0]
            await self.platform.writer.run(_forget(last))
            self.sent += len(rows)
            LAST_SUCCESS.set(time.time())

    def _pending(self) -> list[Row]:
        with self.platform.read_session() as s:
            rows = s.execute(
                select(
                    FederationItem.id,
                    FederationItem.topic,
                    FederationItem.data,
                    FederationItem.created_at,
                )
                .order_by(FederationItem.id)
                .limit(BATCH)
            ).all()
            BACKLOG.set(s.scalar(select(func.count()).select_from(FederationItem)) or 0)
        return [(i, t, d, at.timestamp()) for i, t, d, at in rows]

    async def _publish(self, js: JetStreamContext, rows: list[Row]) -> None:
        c = self.community
        sends = [
            js.publish(
                wire.subject(self.stream, c, topic),
                wire.encode(c, topic, seq, ts, data),
                headers={"Nats-Msg-Id": wire.msg_id(c, seq)},
            )
            for seq, topic, data, ts in rows
        ]
        await asyncio.gather(*sends)

    async def _snapshots(self) -> None:
        while True:
            await asyncio.sleep(SNAPSHOT_S)
            js = self._js
            if js is None:
                continue
            with contextlib.suppress(Exception):
                data = await asyncio.to_thread(self._snapshot)
                raw = wire.encode(self.community, "snapshot", 0, time.time(), data)
                await js.publish(wire.subject(self.stream, self.community, "snapshot"), raw)

    def _snapshot(self) -> dict[str, Any]:
        alarms = sorted(self.platform.alarms.open_alarms(), key=lambda a: str(a.get("created_at")))
        with self.platform.read_session() as s:
            states = dict(
                s.execute(
                    select(Device.state, func.count())
                    .where(Device.enabled.is_(True))
                    .group_by(Device.state)
                ).all()
            )
        return {
            "name": self.name,
            "console_url": self.console_url,
            "open_alarms": [wire.alarm_data(a) for a in alarms[-200:]],
            "open_alarm_count": len(alarms),
            "devices": {str(k): int(v) for k, v in states.items()},
        }


def _forget(last: int) -> Any:
    """A writer job deleting what JetStream acknowledged (up to ``last``)."""

    def job(ctx: WriteContext) -> None:
        ctx.session.execute(delete(FederationItem).where(FederationItem.id <= last))

    return job
