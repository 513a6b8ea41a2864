"""The event pipeline: submit → durable (group commit) → bus."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from prometheus_client import Counter

from anfang.core.bus import Bus, InProcessBus
from anfang.core.events import Event
from anfang.core.writer import StoredEvent, Writer

log = logging.getLogger(__name__)
REJECTED = Counter("anfang_events_rejected_total", "Submissions refused", ["reason"])


class Pipeline:
    """Where adapters hand in events; answers only once they are durable."""

    def __init__(self, writer: Writer, bus: Bus) -> None:
        self.writer = writer
        self.bus = bus
        writer.on_committed = self._on_committed
        self._outq: asyncio.Queue[list[tuple[str, dict[str, Any]]]] | None = None
        self._pending: list[tuple[Event, asyncio.Future[StoredEvent]]] = []
        self._publisher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the publisher for buses that publish asynchronously."""
        if not isinstance(self.bus, InProcessBus):
            self._outq = asyncio.Queue()
            self._publisher = asyncio.create_task(self._publish_loop(), name="bus-publisher")

    async def stop(self) -> None:
        """Stop publishing once every committed outbox went out (after the writer drained)."""
        if self._outq is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self._outq.join()
        if self._publisher is not None:
            self._publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._publisher

    async def submit(self, event: Event) -> StoredEvent:
        """Store one event durably and publish it; raises ``StorageUnavailable``.

        Submissions made in the same turn of the event loop go to the writer as one job:
        one hand-over to the writer thread instead of one per event (bench/pipeline).
        """
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[StoredEvent] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((event, fut))
        return await fut

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        job: asyncio.Future[list[StoredEvent]] = asyncio.get_running_loop().create_future()

        def done(task: asyncio.Future[list[StoredEvent]]) -> None:
            exc = None if task.cancelled() else task.exception()
            if task.cancelled() or exc is not None:
                for _, fut in pending:
                    if not fut.done():
                        fut.set_exception(exc or asyncio.CancelledError())
                return
            for (_, fut), stored in zip(pending, task.result(), strict=True):
                if not fut.done():
                    fut.set_result(stored)

        job.add_done_callback(done)
        self.writer.enqueue_events([ev for ev, _ in pending], job)

    async def submit_many(self, events: list[Event]) -> list[StoredEvent]:
        """Store several events in one write."""
        return await self.store_many(events)

    def store_many(
        self, events: list[Event], eager: bool = False
    ) -> asyncio.Future[list[StoredEvent]]:
        """Queue several events for one write; the future resolves once they are durable.

        Not a coroutine, so that a protocol callback (the SIA receiver) can hand events
        over and reply from the future's callback without a task per message. ``eager``: see
        :meth:`Writer.enqueue_events`.
        """
        fut: asyncio.Future[list[StoredEvent]] = asyncio.get_running_loop().create_future()
        self.writer.enqueue_events(events, fut, eager)
        return fut

    def _on_committed(self, outbox: list[tuple[str, dict[str, Any]]]) -> None:
        if isinstance(self.bus, InProcessBus):
            for subject, data in outbox:
                self.bus.publish_nowait(subject, data)
        elif self._outq is not None:
            self._outq.put_nowait(outbox)

    async def _publish_loop(self) -> None:
        assert self._outq is not None
        while True:
            outbox = await self._outq.get()
            while True:
                try:
                    await self.bus.publish_many(outbox)
                    self._outq.task_done()
                    break
                except Exception:  # the store holds the truth; keep retrying the bus
                    log.exception("bus publish failed; retrying")
                    await asyncio.sleep(0.5)
