"""The load side of the pipeline benchmark: simulated adapters and server-side probes."""

from __future__ import annotations

import asyncio
import gc
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from anfang.core.events import Event
from anfang.core.pipeline import Pipeline
from bench.common import platform_threads_cpu_seconds, process_cpu_seconds, processes_cpu_seconds

KIND = "access.granted"


@dataclass
class LoadGenerator:
    """Many adapters submitting events on an open-loop schedule.

    Event ``seq`` is due at ``start_ns + seq / rate`` and its payload carries that due
    instant as ``t``, so a slow system shows up as latency and backlog, never as a
    quietly lower offered rate. Two ways to submit (``mode``):

    - ``task-per-event`` (default): every event submitted in a task of its own when due,
      whether or not earlier ones are answered.
    - ``connections``: one task per adapter, as a receiver has one task per
      device connection; adapter *k* owns events *k*, *k+A*, … and sends each when due,
      one at a time, awaiting its acknowledgement as a panel awaits its ACK. If answers
      are late, the adapter's next events are late too, and that shows as latency.
    """

    pipeline: Pipeline
    rate: float
    total: int
    adapters: int
    run_id: str
    mode: str = "task-per-event"
    scheduled: array[int] = field(default_factory=lambda: array("q"))
    acked_at: array[int] = field(default_factory=lambda: array("q"))
    lag_ns: array[int] = field(default_factory=lambda: array("q"))
    failed: Counter[str] = field(default_factory=Counter)
    submitted: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def acked(self) -> int:
        """Submissions the pipeline has confirmed durable."""
        return len(self.acked_at)

    @property
    def in_flight(self) -> int:
        """Submissions not answered yet."""
        return len(self._tasks)

    async def run(self, start_ns: int) -> None:
        """Submit ``total`` events at ``rate`` per second from ``start_ns`` on."""
        if self.mode == "connections":
            await self._run_connections(start_ns)
            return
        loop = asyncio.get_running_loop()
        sources = [f"bench-{i:04d}" for i in range(self.adapters)]
        interval = 1e9 / self.rate
        seq = 0
        while seq < self.total:
            now = time.time_ns()
            due = min(self.total, int((now - start_ns) / interval) + 1) if now >= start_ns else 0
            if due > seq:
                self.lag_ns.append(now - (start_ns + int(seq * interval)))
            while seq < due:
                sched = start_ns + int(seq * interval)
                task = loop.create_task(self._submit(seq, sched, sources[seq % self.adapters]))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                seq += 1
            self.submitted = seq
            if seq < self.total:
                next_ns = start_ns + int(seq * interval)
                # uvloop rounds timers to whole milliseconds (0.5 ms becomes 0 and the
                # generator would spin), so tick at most once a millisecond.
                await asyncio.sleep(max(0.001, (next_ns - time.time_ns()) / 1e9))

    async def _run_connections(self, start_ns: int) -> None:
        interval = 1e9 / self.rate

        async def adapter(k: int) -> None:
            source = f"bench-{k:04d}"
            for seq in range(k, self.total, self.adapters):
                sched = start_ns + int(seq * interval)
                wait = (sched - time.time_ns()) / 1e9
                if wait > 0:
                    await asyncio.sleep(wait)
                else:
                    self.lag_ns.append(-int(wait * 1e9))
                self.submitted += 1
                await self._submit(seq, sched, source)

        loop = asyncio.get_running_loop()
        for k in range(min(self.adapters, self.total)):
            task = loop.create_task(adapter(k))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await asyncio.gather(*list(self._tasks))

    async def drain(self, within: float) -> bool:
        """Wait until every submission is answered; ``False`` if ``within`` seconds ran out."""
        deadline = time.monotonic() + within
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - time.monotonic()))
        return not self._tasks

    async def _submit(self, seq: int, sched: int, source: str) -> None:
        ev = Event.create(KIND, source, payload={"t": sched, "seq": seq, "run": self.run_id})
        try:
            await self.pipeline.submit(ev)
        except Exception as exc:  # counted and reported; a benchmark must not stop on one
            self.failed[type(exc).__name__] += 1
            return
        self.scheduled.append(sched)
        self.acked_at.append(time.time_ns())


async def loop_lag_probe(samples: list[tuple[int, float]], period: float = 0.01) -> None:
    """Record how late a ``sleep(period)`` wakes up: the event loop's responsiveness."""
    while True:
        t0 = time.perf_counter()
        await asyncio.sleep(period)
        samples.append((time.time_ns(), (time.perf_counter() - t0 - period) * 1000))


class GcProbe:
    """Times the garbage collector's pauses, which stop the event loop and the writer alike."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, int, float]] = []  # (end time ns, generation, ms)
        self._started = 0.0

    def __enter__(self) -> GcProbe:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            ms = (time.perf_counter() - self._started) * 1000
            self.pauses.append((time.time_ns(), info["generation"], ms))

    def summary(self, w0: int, w1: int, seconds: float) -> dict[str, Any]:
        """Collections per generation in the window, and the time they took."""
        out: dict[str, Any] = {}
        for gen in (0, 1, 2):
            ms = [p for t, g, p in self.pauses if g == gen and w0 <= t < w1]
            out[f"gen{gen}"] = {
                "collections": len(ms),
                "total_ms": round(sum(ms), 1),
                "max_ms": round(max(ms), 2) if ms else None,
            }
        total = sum(v["total_ms"] for v in out.values())
        out["fraction_of_window"] = round(total / 1000 / seconds, 4)
        return out


def cpu_snapshot(client_pid: int | None, with_postgres: bool) -> dict[str, float]:
    """CPU seconds so far of this process, its writer and loop threads, client and PostgreSQL."""
    snap = {"server_process": process_cpu_seconds()} | platform_threads_cpu_seconds()
    if client_pid is not None:
        snap["ws_client_process"] = process_cpu_seconds(client_pid)
    if with_postgres:
        snap["postgres_processes"] = processes_cpu_seconds("postgres")
    return snap


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds spent between two snapshots, per process or thread."""
    out = {k: round(after[k] - before[k], 3) for k in before if k in after}
    known = out.get("writer_thread", 0.0) + out.get("event_loop_thread", 0.0)
    if "server_process" in out:
        out["server_other_threads"] = round(max(0.0, out["server_process"] - known), 3)
    return out


async def scrape_metrics(client: httpx.AsyncClient) -> dict[str, Any]:
    """The writer's batch-size and commit-time histograms and a few counters from /metrics."""
    resp = await client.get("/metrics")
    resp.raise_for_status()
    out: dict[str, Any] = {"batch_buckets": {}}
    wanted = {
        "anfang_writer_batch_size_sum": "batch_sum",
        "anfang_writer_batch_size_count": "batch_count",
        "anfang_writer_commit_seconds_sum": "commit_seconds_sum",
        "anfang_writer_commit_seconds_count": "commit_count",
        "anfang_events_stored_total": "events_stored",
        "anfang_bus_dropped_total": "bus_dropped",
    }
    for family in text_string_to_metric_families(resp.text):
        for sample in family.samples:
            if sample.name == "anfang_writer_batch_size_bucket":
                out["batch_buckets"][sample.labels["le"]] = sample.value
            elif sample.name in wanted:
                out[wanted[sample.name]] = sample.value
    return out


def metrics_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What the writer did between two scrapes: batches, their sizes and commit times."""
    batches = after.get("batch_count", 0) - before.get("batch_count", 0)
    jobs = after.get("batch_sum", 0) - before.get("batch_sum", 0)
    commit_s = after.get("commit_seconds_sum", 0) - before.get("commit_seconds_sum", 0)
    dist: dict[str, int] = {}
    previous = 0.0
    for le, cumulative in after["batch_buckets"].items():
        count = cumulative - before["batch_buckets"].get(le, 0.0)
        dist[f"<={le}"] = int(count - previous)
        previous = count
    return {
        "batches": int(batches),
        "jobs": int(jobs),
        "mean_batch_size": round(jobs / batches, 1) if batches else None,
        "batch_size_distribution": dist,
        "mean_commit_ms": round(commit_s / batches * 1000, 3) if batches else None,
        "commit_seconds_total": round(commit_s, 3),
        "events_stored": int(after.get("events_stored", 0) - before.get("events_stored", 0)),
        "bus_dropped": int(after.get("bus_dropped", 0) - before.get("bus_dropped", 0)),
    }
