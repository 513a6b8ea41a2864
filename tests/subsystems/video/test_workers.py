"""The recording worker pool with real worker processes: reports tagged by slot, a killed
worker noticed as a crash and replaced, every worker reaped on close."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

from anfang.subsystems.video.workers import WorkerPool


async def _next(reports: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    async with asyncio.timeout(30):  # a worker is a fresh interpreter: imports take a while
        return await reports.get()


async def test_stop_kill_replace_and_close(tmp_path: Path) -> None:
    reports: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    pool = WorkerPool(tmp_path, reports)
    pool.grow(2)
    assert len(pool) == 2
    pool.grow(1)  # never shrinks
    assert len(pool) == 2
    first, second = pool.pids()
    try:
        pool.send(1, {"op": "stop"})
        assert await _next(reports) == {"t": "bye", "w": 1}
        os.kill(first, signal.SIGKILL)
        assert await _next(reports) == {"t": "bye", "crashed": True, "w": 0}
        await pool.replace(0)
        assert pool.pids()[0] not in (first, second)
        pool.send(0, {"op": "set", "cameras": []})  # an empty set: nothing to record
        pool.send_all({"op": "stop"})  # the stopped one's pipe is closed: ignored
        assert await _next(reports) == {"t": "bye", "w": 0}
    finally:
        await pool.close()
    assert len(pool) == 0
    assert _reaped(first) and _reaped(second)


def _reaped(pid: int) -> bool:
    """Gone, not a zombie left for the platform to wait for."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return True
