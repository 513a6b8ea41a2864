"""The single database writer: one thread, one connection, group commit.

Every write of the platform (events, alarm changes, audit entries, site edits) goes
through this thread, so SQLite never sees two writers and the audit chain and alarm
state are updated in one order. Callers await a future that resolves only after the
batch that holds their write has committed.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from prometheus_client import Counter, Histogram
from sqlalchemy import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.fast_insert import EventInserter

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCHES = Histogram(
    "anfang_writer_batch_size",
    "Jobs per committed batch",
    buckets=(1, 2, 5, 10, 50, 100, 500, 1000, 5000),
)
COMMIT_SECONDS = Histogram("anfang_writer_commit_seconds", "Time to apply and commit a batch")
EVENTS_STORED = Counter("anfang_events_stored_total", "Events made durable")
EVENTS_DUPLICATE = Counter("anfang_events_duplicate_total", "Submissions stored once already")
WRITE_FAILURES = Counter("anfang_writer_failures_total", "Batches that failed", ["reason"])


class StorageUnavailable(RuntimeError):
    """The database cannot be written now; nothing was stored, the caller should retry."""


@dataclass(slots=True)
class StoredEvent:
    """The outcome of one submitted event."""

    event: Event
    duplicate: bool = False


@dataclass
class WriteContext:
    """What a write job sees: the session, an outbox for the bus, and emitted events."""

    session: Session
    outbox: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    emitted: list[Event] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    post_commit: list[Callable[[], None]] = field(default_factory=list)

    def publish(self, subject: str, data: dict[str, Any]) -> None:
        """Publish ``data`` on the bus once this batch has committed."""
        self.outbox.append((subject, data))

    def emit(self, event: Event) -> None:
        """Store an event in this same transaction (and publish it after commit)."""
        self.emitted.append(event)

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the writer thread once this batch has committed."""
        self.post_commit.append(fn)

    def mark_changed(self, topic: str) -> None:
        """Tell the hooks that cached data (``devices``, ``alarm_definitions``…) changed."""
        self.changed.add(topic)


class WriterHook(Protocol):
    """A component that keeps state in step with what the writer commits."""

    def load(self, session: Session) -> None:
        """(Re)load cached state from the database."""

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Enrich events before they are inserted; return extra events to store too."""

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """React to newly stored events inside the same transaction."""

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload what ``topics`` say changed."""


_STOP = object()
_RETRYABLE = (OperationalError, DisconnectionError)


@dataclass(slots=True)
class _Job:
    events: list[Event] | None
    fn: Callable[[WriteContext], Any] | None
    future: asyncio.Future[Any]
    eager: bool = False


class Writer:
    """Runs write jobs on one thread and commits them in batches."""

    def __init__(
        self,
        engine: Engine,
        *,
        batch_max: int = 4000,
        linger: float = 0.0,
        on_committed: Callable[[list[tuple[str, dict[str, Any]]]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.batch_max = batch_max
        self.linger = linger
        self.hooks: list[WriterHook] = []
        self.on_committed = on_committed
        # Run on the writer thread after each batch (the WAL checkpoint's last step).
        self.between_batches: Callable[[], None] | None = None
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loaded = False
        self.healthy = True
        self._inserter = EventInserter(engine.dialect.name)

    # ----------------------------------------------------------------- public API

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the writer thread; results are delivered on ``loop``."""
        self._loop = loop
        self._thread = threading.Thread(target=self._run, name="anfang-writer", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Finish queued work and stop the thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    async def insert_events(self, events: list[Event]) -> list[StoredEvent]:
        """Store events; returns once they are durable (duplicates are stored once)."""
        fut: asyncio.Future[list[StoredEvent]] = asyncio.get_running_loop().create_future()
        self.enqueue_events(events, fut)
        return await fut

    def enqueue_events(
        self, events: list[Event], future: asyncio.Future[list[StoredEvent]], eager: bool = False
    ) -> None:
        """Queue events; ``future`` gets their outcomes once they are durable.

        ``eager``: a batch that starts with this job does not linger. For senders that wait
        for each answer and already hand over what arrived together (SIA panels through
        the front process): a linger there only lengthens every round trip.
        """
        self._queue.put(_Job(events, None, future, eager))

    async def run(self, fn: Callable[[WriteContext], T]) -> T:
        """Run ``fn`` in the writer's transaction; returns its result after commit."""
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put(_Job(None, fn, fut))
        return await fut

    # ----------------------------------------------------------------- thread

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            if self.linger and not first.eager:
                # Like PostgreSQL's commit_delay: a short wait lets one commit carry more
                # jobs; each batch has a fixed cost that would otherwise eat the GIL.
                time.sleep(self.linger)
            batch: list[_Job] = [first]
            while len(batch) < self.batch_max:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._process(batch)
            if self.between_batches is not None:
                try:
                    self.between_batches()
                except Exception:  # housekeeping must never stop the writer
                    log.exception("writer: between-batches work failed")

    def _process(self, batch: list[_Job]) -> None:
        started = time.perf_counter()
        try:
            results, ctx = self._apply(batch)
        except _RETRYABLE as exc:
            self.healthy = False
            self._loaded = False
            WRITE_FAILURES.labels("unavailable").inc()
            log.error("writer: database unavailable, %d jobs refused", len(batch))
            self._fail_all(
                batch, StorageUnavailable(f"database unavailable: {getattr(exc, 'orig', exc)!r}")
            )
            self.engine.dispose()
            time.sleep(0.2)  # writer thread, not the event loop: back off before retrying
            return
        except Exception as exc:  # a bug or constraint in one job must not kill the writer
            log.exception("writer: batch failed, retrying jobs one at a time")
            self._loaded = False  # cached state may hold what was rolled back
            if len(batch) == 1:
                self._fail_all(batch, exc)
                WRITE_FAILURES.labels("error").inc()
                return
            for job in batch:
                self._process([job])
            return
        self.healthy = True
        BATCHES.observe(len(batch))
        COMMIT_SECONDS.observe(time.perf_counter() - started)
        for fn in ctx.post_commit:
            try:
                fn()
            except Exception:
                log.exception("writer: post-commit action failed")
        self._deliver(batch, results, ctx.outbox)

    def _apply(self, batch: list[_Job]) -> tuple[list[Any], WriteContext]:
        results: list[Any] = [None] * len(batch)
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            if not self._loaded:
                for hook in self.hooks:
                    hook.load(session)
                self._loaded = True
            ctx = WriteContext(session)
            events = [ev for job in batch if job.events is not None for ev in job.events]
            stored = self._store_events(ctx, events) if events else {}
            for i, job in enumerate(batch):
                if job.events is not None:
                    results[i] = [stored[id(ev)] for ev in job.events]
                    continue
                assert job.fn is not None
                undo: list[Callable[[], None]] = []
                session.info["on_rollback"] = undo
                marks = (len(ctx.outbox), len(ctx.emitted), len(ctx.post_commit))
                try:
                    with session.begin_nested():
                        results[i] = job.fn(ctx)
                except _RETRYABLE:
                    raise
                except Exception as exc:  # the job's own error goes back to its caller
                    for fn in reversed(undo):
                        fn()
                    del ctx.outbox[marks[0] :], ctx.emitted[marks[1] :], ctx.post_commit[marks[2] :]
                    results[i] = _Failure(exc)
                if ctx.changed:
                    topics, ctx.changed = ctx.changed, set()
                    for hook in self.hooks:
                        hook.on_changed(ctx, topics)
            for _ in range(8):  # emitted events may emit restores; bounded on purpose
                if not ctx.emitted:
                    break
                pending, ctx.emitted = ctx.emitted, []
                self._store_events(ctx, pending)
        return results, ctx

    def _store_events(self, ctx: WriteContext, events: list[Event]) -> dict[int, StoredEvent]:
        """Insert events (each idempotency key once); keyed by ``id()`` of each submitted."""
        out: dict[int, StoredEvent] = {}
        existing: dict[str, str] = {}
        keys = list({ev.idempotency_key for ev in events if ev.idempotency_key is not None})
        if keys:
            conn = ctx.session.connection()
            mark = "?" if conn.dialect.name == "sqlite" else "%s"
            for chunk in _chunks(keys, 500):
                # Driver SQL: a compiled select with an expanding IN cost ~0.5 ms a batch.
                rows = conn.exec_driver_sql(
                    "SELECT idempotency_key, id FROM events WHERE idempotency_key IN "
                    f"({', '.join([mark] * len(chunk))})",
                    tuple(chunk),
                )
                existing.update({k: i for k, i in rows if k is not None})
        fresh: list[Event] = []
        first_with_key: dict[str, Event] = {}
        for ev in events:
            key = ev.idempotency_key
            if key is not None and key in existing:
                ev.id = existing[key]
                out[id(ev)] = StoredEvent(ev, duplicate=True)
            elif key is not None and key in first_with_key:
                out[id(ev)] = StoredEvent(first_with_key[key], duplicate=True)
            else:
                if key is not None:
                    first_with_key[key] = ev
                out[id(ev)] = StoredEvent(ev)
                fresh.append(ev)
        if len(fresh) < len(events):
            EVENTS_DUPLICATE.inc(len(events) - len(fresh))
        for hook in self.hooks:
            fresh.extend(hook.prepare(ctx, fresh))
        if fresh:
            self._inserter.insert(ctx.session.connection(), fresh)
            EVENTS_STORED.inc(len(fresh))
        for ev in fresh:
            ctx.publish(f"events.{ev.kind}", ev.to_json())
        for hook in self.hooks:
            hook.after_insert(ctx, fresh)
        return out

    # ----------------------------------------------------------------- delivery

    def _deliver(
        self, batch: list[_Job], results: list[Any], outbox: list[tuple[str, dict[str, Any]]]
    ) -> None:
        loop = self._loop
        assert loop is not None

        def done() -> None:
            for job, res in zip(batch, results, strict=True):
                if job.future.done():
                    continue
                if isinstance(res, _Failure):
                    job.future.set_exception(res.exc)
                else:
                    job.future.set_result(res)
            if outbox and self.on_committed is not None:
                self.on_committed(outbox)

        loop.call_soon_threadsafe(done)

    def _fail_all(self, batch: Iterable[_Job], exc: BaseException) -> None:
        loop = self._loop
        assert loop is not None
        jobs = list(batch)

        def fail() -> None:
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc)

        loop.call_soon_threadsafe(fail)


@dataclass(slots=True)
class _Failure:
    exc: BaseException


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


__all__ = ["StorageUnavailable", "StoredEvent", "WriteContext", "Writer"]
