"""A simulated device speaking the anfang HTTP push protocol (docs/http-push.md).

It behaves like a careful real device: events wait in its own queue until the server
acknowledges them, a refused or failed send is retried with backoff (honouring
``Retry-After``), and heartbeats go out at a fixed interval. It knows anfang only by
its base URL: everything goes over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import logging
import random
import secrets
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/ingest/events"
HEARTBEAT_PATH = "/api/v1/ingest/heartbeat"
MAX_BATCH = 500


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 over ``timestamp + "\\n" + body`` (written here as a device would)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


@dataclass(slots=True)
class SimEvent:
    """An event waiting in the device's queue."""

    id: str
    kind: str
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        """The event as it goes on the wire."""
        return {
            "id": self.id,
            "kind": self.kind,
            "occurred_at": self.occurred_at.isoformat(),
            "payload": self.payload,
        }


@dataclass(slots=True)
class DeviceStats:
    """What a device has seen of the server."""

    posts: int = 0
    acked: int = 0
    duplicates: int = 0
    retries: int = 0
    heartbeats: int = 0
    rejected: list[str] = field(default_factory=list)


class SimulatedHttpDevice:
    """One device: queues events, signs and POSTs them, retries until acknowledged."""

    def __init__(
        self,
        base_url: str,
        code: str,
        secret: str,
        *,
        heartbeat_s: float | None = 15.0,
        client: httpx.AsyncClient | None = None,
        batch_max: int = 100,
        backoff_initial_s: float = 0.2,
        backoff_max_s: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.code = code
        self.secret = secret
        self.heartbeat_s = heartbeat_s
        self.batch_max = min(batch_max, MAX_BATCH)
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._silent = False
        self.stats = DeviceStats()
        self.acked: dict[str, str] = {}
        self._client = client
        self._owns_client = client is None
        self._queue: deque[SimEvent] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: list[asyncio.Task[None]] = []
        # A boot prefix keeps ids unique when the simulator restarts against the same server.
        self._boot = secrets.token_hex(3)
        self._seq = itertools.count(1)

    @property
    def silent(self) -> bool:
        """A silent device sends nothing (a cut cable, a dead power supply)."""
        return self._silent

    @silent.setter
    def silent(self, value: bool) -> None:
        self._silent = value
        self._wake.set()

    @property
    def pending(self) -> int:
        """Events not yet acknowledged."""
        return len(self._queue)

    def emit(
        self,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        occurred_at: datetime | None = None,
    ) -> str:
        """Queue an event for sending; returns the device's own id for it."""
        ev = SimEvent(
            f"{self._boot}-{next(self._seq)}", kind, occurred_at or datetime.now(UTC), payload or {}
        )
        self._queue.append(ev)
        self._idle.clear()
        self._wake.set()
        return ev.id

    async def start(self) -> None:
        """Begin sending (and heartbeating, when an interval is set)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        self._tasks.append(asyncio.create_task(self._sender(), name=f"sim-{self.code}-send"))
        if self.heartbeat_s:
            self._tasks.append(asyncio.create_task(self._beats(), name=f"sim-{self.code}-beat"))

    async def drain(self, within_s: float) -> bool:
        """Wait until every queued event is acknowledged; False if time ran out."""
        try:
            await asyncio.wait_for(self._idle.wait(), within_s)
        except TimeoutError:
            return False
        return True

    async def stop(self, *, flush_timeout: float = 5.0) -> None:
        """Try to deliver what is queued, then stop; unsent events stay in ``pending``."""
        if self._queue and not self.silent and self._tasks:
            await self.drain(flush_timeout)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def heartbeat(self) -> bool:
        """Send one heartbeat now; True if the server acknowledged it."""
        try:
            resp = await self._post(HEARTBEAT_PATH, b"{}")
        except httpx.HTTPError as exc:
            log.info("sim %s: heartbeat failed: %s", self.code, exc)
            return False
        if resp.status_code == 200:
            self.stats.heartbeats += 1
            return True
        log.info("sim %s: heartbeat answered %d", self.code, resp.status_code)
        return False

    # ----------------------------------------------------------------- internals

    async def _post(self, path: str, body: bytes) -> httpx.Response:
        assert self._client is not None, "start() the device first"
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Anfang-Device": self.code,
            "X-Anfang-Timestamp": ts,
            "X-Anfang-Signature": signature(self.secret, ts, body),
        }
        return await self._client.post(self.base_url + path, content=body, headers=headers)

    async def _beats(self) -> None:
        assert self.heartbeat_s is not None
        # Devices powered up together must not all beat in the same millisecond.
        await asyncio.sleep(random.uniform(0, min(self.heartbeat_s, 2.0)))
        while True:
            if not self.silent:
                await self.heartbeat()
            await asyncio.sleep(self.heartbeat_s)

    async def _sender(self) -> None:
        backoff = self.backoff_initial_s
        size = self.batch_max
        while True:
            if not self._queue or self._silent:
                if not self._queue:
                    self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = list(itertools.islice(self._queue, size))
            wait = await self._send_batch(batch)
            if wait is None:
                backoff = self.backoff_initial_s
                size = self.batch_max
                continue
            if wait < 0:  # too large: halve the batch and try at once
                size = max(1, size // 2)
                continue
            self.stats.retries += 1
            await asyncio.sleep(min(max(wait, backoff), self.backoff_max_s))
            backoff = min(backoff * 2, self.backoff_max_s) * random.uniform(0.8, 1.2)

    async def _send_batch(self, batch: Sequence[SimEvent]) -> float | None:
        """Send; None when done with the batch, -1 to shrink it, else seconds to wait."""
        body = orjson.dumps({"events": [ev.wire() for ev in batch]})
        self.stats.posts += 1
        try:
            resp = await self._post(EVENTS_PATH, body)
        except httpx.HTTPError as exc:
            log.info("sim %s: send failed (%s), will retry", self.code, type(exc).__name__)
            return 0.0
        if resp.status_code == 200:
            self._acknowledge(batch, resp.json())
            return None
        if resp.status_code == 413 and len(batch) > 1:
            return -1.0
        if resp.status_code in (413, 422):
            # The server will never take these as they are: a real device logs and drops.
            detail = resp.text[:200]
            log.warning("sim %s: %d events refused: %s", self.code, len(batch), detail)
            self.stats.rejected.append(detail)
            self._drop(batch)
            return None
        retry_after = resp.headers.get("Retry-After", "")
        log.info("sim %s: server answered %d, will retry", self.code, resp.status_code)
        return float(retry_after) if retry_after.isdigit() else 0.0

    def _acknowledge(self, batch: Sequence[SimEvent], reply: dict[str, Any]) -> None:
        for item in reply.get("accepted", []):
            self.acked[item["id"]] = item["event_id"]
            self.stats.acked += 1
            if item.get("duplicate"):
                self.stats.duplicates += 1
        self._drop([ev for ev in batch if ev.id in self.acked])

    def _drop(self, batch: Sequence[SimEvent]) -> None:
        ids = {ev.id for ev in batch}
        self._queue = deque(ev for ev in self._queue if ev.id not in ids)
        if not self._queue:
            self._idle.set()
