"""The message bus: an interface, and the in-process implementation (the default).

Subjects are dotted (``events.perimeter.intrusion``, ``alarms.changed``); subscribers
use NATS-style wildcards: ``*`` matches one word, ``>`` the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import Counter

from anfang.core.kinds import matches

BUS_DROPPED = Counter("anfang_bus_dropped_total", "Messages dropped for a slow subscriber")


@dataclass(frozen=True, slots=True)
class Message:
    """One message on the bus."""

    subject: str
    data: dict[str, Any]


class Subscription(Protocol):
    """A stream of messages matching a subject pattern."""

    def __aiter__(self) -> AsyncIterator[Message]: ...

    async def batch(self, limit: int) -> list[Message]:
        """Wait for the next message, then take up to ``limit`` already waiting ([] at end)."""

    async def close(self) -> None:
        """Stop receiving."""


class Bus(Protocol):
    """Publish/subscribe between the pipeline, engines, uplinks and the console."""

    async def start(self) -> None:
        """Connect."""

    async def close(self) -> None:
        """Disconnect."""

    async def publish(self, subject: str, data: dict[str, Any]) -> None:
        """Publish one message."""

    async def publish_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Publish messages in order."""

    async def subscribe(self, pattern: str, *, max_pending: int = 100_000) -> Subscription:
        """Receive every message whose subject matches ``pattern`` from now on."""


# Subjects and patterns are few and repeat at every event: remember each answer.
_matches = functools.lru_cache(maxsize=65536)(matches)


class _LocalSubscription:
    def __init__(self, bus: InProcessBus, pattern: str, max_pending: int) -> None:
        self.bus = bus
        self.pattern = pattern
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue(max_pending)
        self.overflowed = False
        self.closed = False

    def offer(self, msg: Message) -> None:
        try:
            self.queue.put_nowait(msg)
        except asyncio.QueueFull:
            # A subscriber that cannot keep up loses messages rather than stalling the
            # pipeline; durable consumers read the store instead.
            self.overflowed = True
            BUS_DROPPED.inc()

    async def __anext__(self) -> Message:
        # The end marker is lost when close() finds the queue full, and is consumed once.
        if self.closed and self.queue.empty():
            raise StopAsyncIteration
        msg = await self.queue.get()
        if msg is None:
            raise StopAsyncIteration
        return msg

    def __aiter__(self) -> _LocalSubscription:
        return self

    async def batch(self, limit: int) -> list[Message]:
        """The next message and up to ``limit`` - 1 more already queued; ``[]`` once closed."""
        try:
            first = await self.__anext__()
        except StopAsyncIteration:
            return []
        out = [first]
        q = self.queue
        while len(out) < limit and not q.empty():
            msg = q.get_nowait()
            if msg is None:
                self.closed = True
                break
            out.append(msg)
        return out

    async def close(self) -> None:
        self.closed = True
        self.bus._subs.discard(self)
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)


class InProcessBus:
    """A bus inside one process: fan-out to asyncio queues, no persistence."""

    def __init__(self) -> None:
        self._subs: set[_LocalSubscription] = set()

    async def start(self) -> None:
        """Nothing to connect."""

    async def close(self) -> None:
        """End every subscription."""
        for sub in list(self._subs):
            await sub.close()

    def publish_nowait(self, subject: str, data: dict[str, Any]) -> None:
        """Publish without awaiting (used from loop callbacks)."""
        msg = Message(subject, data)
        for sub in self._subs:
            if _matches(sub.pattern, subject):
                sub.offer(msg)

    async def publish(self, subject: str, data: dict[str, Any]) -> None:
        """Publish one message."""
        self.publish_nowait(subject, data)

    async def publish_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Publish messages in order."""
        for subject, data in messages:
            self.publish_nowait(subject, data)

    async def subscribe(self, pattern: str, *, max_pending: int = 100_000) -> Subscription:
        """Receive matching messages from now on."""
        sub = _LocalSubscription(self, pattern, max_pending)
        self._subs.add(sub)
        return sub
