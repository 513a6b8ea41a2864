"""Runs many simulated HTTP push devices with random activities, and stops them cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from anfang.ingest.sim_device import DeviceStats, SimulatedHttpDevice

log = logging.getLogger(__name__)

PayloadFn = Callable[[random.Random], dict[str, Any]]


def _no_payload(_rng: random.Random) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class Activity:
    """Events of one kind a device emits at random, ``per_minute`` on average.

    ``then`` is a follow-up kind sent ``then_after_s`` seconds later (a restore, a door
    closing), with the same payload.
    """

    kind: str
    per_minute: float
    payload: PayloadFn = _no_payload
    then: str | None = None
    then_after_s: float = 10.0


class SimRunner:
    """Runs many simulated devices with their activities; stops them cleanly."""

    def __init__(self, base_url: str, *, seed: int | None = None) -> None:
        self.base_url = base_url
        self.rng = random.Random(seed)
        self.devices: dict[str, SimulatedHttpDevice] = {}
        self._plans: dict[str, tuple[list[Activity], float | None]] = {}
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def add(
        self,
        code: str,
        secret: str,
        activities: Sequence[Activity] = (),
        *,
        heartbeat_s: float | None = 15.0,
        silent_after_s: float | None = None,
        backoff_max_s: float = 10.0,
    ) -> SimulatedHttpDevice:
        """Add a device; ``silent_after_s`` makes it stop talking after that long."""
        if self._client is None:
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
            self._client = httpx.AsyncClient(timeout=10.0, limits=limits)
        dev = SimulatedHttpDevice(
            self.base_url,
            code,
            secret,
            heartbeat_s=heartbeat_s,
            client=self._client,
            backoff_max_s=backoff_max_s,
        )
        self.devices[code] = dev
        self._plans[code] = (list(activities), silent_after_s)
        return dev

    async def start(self) -> None:
        """Start every device and its activities."""
        for code, dev in self.devices.items():
            await dev.start()
            activities, silent_after = self._plans[code]
            for act in activities:
                self.spawn(self._activity(dev, act), f"sim-{code}-{act.kind}")
            if silent_after is not None:
                self.spawn(self._go_silent(dev, silent_after), f"sim-{code}-silence")

    async def stop(self, *, flush_timeout: float = 5.0) -> None:
        """Stop activities, give queued events a moment to be delivered, close."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*(d.stop(flush_timeout=flush_timeout) for d in self.devices.values()))
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> SimRunner:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    def totals(self) -> DeviceStats:
        """Stats of all devices summed."""
        out = DeviceStats()
        for d in self.devices.values():
            out.posts += d.stats.posts
            out.acked += d.stats.acked
            out.duplicates += d.stats.duplicates
            out.retries += d.stats.retries
            out.heartbeats += d.stats.heartbeats
            out.rejected.extend(d.stats.rejected)
        return out

    def spawn(self, coro: Any, name: str) -> None:
        """Run an extra behaviour (a guard walking a route) until the runner stops."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _activity(self, dev: SimulatedHttpDevice, act: Activity) -> None:
        rate = act.per_minute / 60.0
        while True:
            await asyncio.sleep(self.rng.expovariate(rate))
            if dev.silent:
                continue
            payload = act.payload(self.rng)
            dev.emit(act.kind, payload)
            if act.then is not None:
                self.spawn(
                    self._later(dev, act.then, payload, act.then_after_s),
                    f"sim-{dev.code}-{act.then}",
                )

    async def _later(
        self, dev: SimulatedHttpDevice, kind: str, payload: dict[str, Any], delay: float
    ) -> None:
        await asyncio.sleep(delay)
        if not dev.silent:
            dev.emit(kind, payload)

    async def _go_silent(self, dev: SimulatedHttpDevice, after: float) -> None:
        await asyncio.sleep(after)
        log.info("sim %s: going silent (supervision should report it offline)", dev.code)
        dev.silent = True
