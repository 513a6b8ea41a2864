"""The district node: it follows every community publishing to its NATS JetStream stream and
keeps, per community, when it was last heard, its events (counted by kind), its open
alarms, its devices by state, and how far behind the district is (commit to receipt).

A durable pull consumer takes the stream in batches and acknowledges each batch once it
is applied, so a district node restarted resumes where it stopped; the communities'
snapshots bring back the open alarms and device counts within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig
from prometheus_client import Counter as PCounter
from prometheus_client import Histogram

from anfang.kernel import Kernel
from anfang.uplink.adapters import district as wire
from anfang.uplink.adapters.district_link import connect

log = logging.getLogger(__name__)
RECEIVED = PCounter("anfang_district_messages_total", "Messages from communities", ["topic"])
REFUSED = PCounter("anfang_district_refused_total", "Messages not understood")
LAG = Histogram(
    "anfang_district_lag_seconds",
    "A community's commit to the district applying it",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 60),
)
FETCH = 1000
CLOSED = frozenset({"resolved", "false_alarm", "closed"})


@dataclass
class Community:
    """What the district knows of one community."""

    code: str
    name: str = ""
    console_url: str = ""
    last_seen: float = 0.0
    events: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    open_alarms: dict[str, dict[str, Any]] = field(default_factory=dict)
    open_alarm_count: int = 0
    devices: dict[str, int] = field(default_factory=dict)
    lags: deque[float] = field(default_factory=lambda: deque(maxlen=2000))
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=50))

    def view(self, *, detail: bool = False) -> dict[str, Any]:
        """As the API answers it."""
        lags = sorted(self.lags)
        p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else None
        seen = datetime.fromtimestamp(self.last_seen, UTC).isoformat() if self.last_seen else None
        out: dict[str, Any] = {
            "code": self.code,
            "name": self.name or self.code,
            "console_url": self.console_url,
            "last_seen": seen,
            "events": self.events,
            "open_alarms": max(self.open_alarm_count, len(self.open_alarms)),
            "devices": dict(self.devices),
            "lag_p99_s": round(p99, 3) if p99 is not None else None,
        }
        if detail:
            out["alarms"] = sorted(
                self.open_alarms.values(), key=lambda a: str(a.get("created_at"))
            )
            out["by_kind"] = dict(self.by_kind.most_common(30))
            out["recent_events"] = list(self.recent)
        return out


class DistrictNode:
    """Follows the stream and keeps the communities' state."""

    def __init__(self, platform: Kernel) -> None:
        s = platform.settings
        self.platform = platform
        self.url = s.uplink_district_url or ""
        self.stream = s.uplink_district_stream
        self.communities: dict[str, Community] = {}
        self.connected = False
        self.applied = 0
        self._nc: Client | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start following (connecting in the background)."""
        self._task = asyncio.create_task(self._run(), name="district-node")

    async def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            try:
                self._nc, js = await connect(self.url, self.stream, "anfang-district")
                sub = await js.pull_subscribe(
                    f"{wire.prefix(self.stream)}.>",
                    durable=f"district-{self.stream}",
                    config=ConsumerConfig(ack_policy=AckPolicy.ALL, max_ack_pending=100_000),
                )
                self.connected = True
                log.info("district: following %s at %s", self.stream, self.url)
                break
            except Exception as exc:  # retried: the district node waits for its NATS
                log.warning("district: NATS at %s unreachable: %s", self.url, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
        while True:
            try:
                msgs = await sub.fetch(FETCH, timeout=1.0)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            except Exception as exc:  # the connection is back in a moment (nats-py reconnects)
                self.connected = False
                log.info("district: fetch failed: %s", exc)
                await asyncio.sleep(1.0)
                continue
            self.connected = True
            now = time.time()
            for m in msgs:
                self.apply(m.data, now)
            if msgs:
                await msgs[-1].ack()  # acknowledges the batch (the consumer acks "all")

    def apply(self, raw: bytes, now: float) -> None:
        """Apply one message."""
        try:
            msg = wire.decode(raw)
        except wire.DistrictWireError:
            REFUSED.inc()
            return
        RECEIVED.labels(msg.topic).inc()
        c = self.communities.get(msg.community)
        if c is None:
            c = self.communities[msg.community] = Community(msg.community)
        c.last_seen = max(c.last_seen, now)
        d = msg.data
        if msg.topic == "events":
            c.events += 1
            c.by_kind[str(d.get("kind"))] += 1
            c.recent.append(d)
            lag = max(0.0, now - msg.ts)
            c.lags.append(lag)
            LAG.observe(lag)
        elif msg.topic == "alarms":
            key = str(d.get("id"))
            if d.get("state") in CLOSED:
                c.open_alarms.pop(key, None)
            else:
                c.open_alarms[key] = d
        elif msg.topic == "snapshot":
            c.name = str(d.get("name") or c.name)
            c.console_url = str(d.get("console_url") or "")
            c.devices = {str(k): int(v) for k, v in (d.get("devices") or {}).items()}
            c.open_alarm_count = int(d.get("open_alarm_count") or 0)
            c.open_alarms = {str(a.get("id")): a for a in d.get("open_alarms") or []}
        self.applied += 1

    def listing(self) -> list[dict[str, Any]]:
        """Every community, by code."""
        return [self.communities[k].view() for k in sorted(self.communities)]

    def community(self, code: str) -> dict[str, Any] | None:
        """One community in detail."""
        c = self.communities.get(code)
        return c.view(detail=True) if c is not None else None
