"""The recording worker processes as the platform holds them: spawn, command, hear, replace.

Each worker (:mod:`anfang.subsystems.video.worker`) is a child process with one end of a
socket pair as its pipe. A thread per worker blocks on that pipe and puts every report on
the platform's event loop, tagged with the worker's slot (``"w"``); a pipe that breaks
reports ``{"t": "bye", "crashed": True}``, so a killed worker is noticed like one that said
goodbye. What the reports mean is the recorder's business (:mod:`.recorder`).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from anfang.core.processes import interrupt_held


@dataclass(slots=True)
class _Worker:
    """One worker process, its pipe and the thread that reads it."""

    proc: subprocess.Popen[bytes]
    conn: Connection
    reader: threading.Thread


class WorkerPool:
    """The recording workers; their reports arrive on ``reports`` (from the event loop)."""

    def __init__(self, root: Path, reports: asyncio.Queue[dict[str, Any]]) -> None:
        self.root = root
        self.reports = reports
        self._loop: asyncio.AbstractEventLoop | None = None
        self._workers: list[_Worker] = []

    def __len__(self) -> int:
        return len(self._workers)

    def grow(self, n: int) -> None:
        """Start workers until there are ``n`` (on the event loop)."""
        self._loop = asyncio.get_running_loop()
        while len(self._workers) < n:
            self._workers.append(self._spawn(len(self._workers)))

    def send(self, slot: int, msg: dict[str, Any]) -> None:
        """Send a command to one worker (a worker that is gone is replaced when its bye comes)."""
        with contextlib.suppress(OSError):
            self._workers[slot].conn.send(msg)

    def send_all(self, msg: dict[str, Any]) -> None:
        """Send a command to every worker."""
        for slot in range(len(self._workers)):
            self.send(slot, msg)

    def pids(self) -> list[int]:
        """The workers' process ids, by slot."""
        return [w.proc.pid for w in self._workers]

    async def replace(self, slot: int) -> None:
        """A worker ended on its own: reap it and start another in its slot."""
        old = self._workers[slot]
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(old.proc.wait, 5)
        old.conn.close()
        self._workers[slot] = self._spawn(slot)

    async def close(self) -> None:
        """Reap every worker (killed if it has not ended within 5 s) after ``stop``."""
        for w in self._workers:
            try:
                await asyncio.to_thread(w.proc.wait, 5)
            except subprocess.TimeoutExpired:
                w.proc.kill()
                await asyncio.to_thread(w.proc.wait)
            w.conn.close()
            await asyncio.to_thread(w.reader.join, 2)
        self._workers = []

    def _spawn(self, slot: int) -> _Worker:
        ours, theirs = socket.socketpair()
        fd = theirs.fileno()
        with interrupt_held():  # a Ctrl-C while it imports waits until it ignores it
            proc = subprocess.Popen(
                [sys.executable, "-m", "anfang.subsystems.video.worker", str(fd), str(self.root)],
                pass_fds=[fd],
                stdin=subprocess.DEVNULL,
            )
        theirs.close()
        conn = Connection(ours.detach())
        reader = threading.Thread(target=self._read, args=(conn, slot), daemon=True)
        reader.start()
        return _Worker(proc, conn, reader)

    def _read(self, conn: Connection, slot: int) -> None:
        loop = self._loop
        assert loop is not None
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                msg = {"t": "bye", "crashed": True}
            msg["w"] = slot
            try:
                loop.call_soon_threadsafe(self.reports.put_nowait, msg)
            except RuntimeError:  # the loop is closed
                return
            if msg.get("t") == "bye":
                return
