"""SQLite WAL checkpoints: the bulk on a thread of their own, the last step on the writer's.

With SQLite's automatic checkpoints, every thousandth page or so a commit of the writer
copies the WAL back into the database first: bench/pipeline saw those commits as
latency spikes of 50-150 ms. Here a passive checkpoint runs once a second from another
connection; in WAL mode it does not block the writer.

That alone never lets the WAL start over under steady writes: a passive checkpoint copies
the frames that existed when it began, the writer appends more meanwhile, so it never
finishes and the WAL grows for as long as the load lasts (bench/sia: 856 MB in 10 s, and a
fifth of the process's CPU went to the kernel zeroing the new file blocks). So the writer
also calls :meth:`WalCheckpointer.catch_up` between batches once a background pass found
the WAL over ``restart_frames``: with no write in flight it copies the frames written
during that pass, and the next write rewinds the WAL to its start, into blocks the file
already has. That holds the writer up 4-10 ms, so it is not done after every pass: once a
second, bench/sia's ACK p99 showed it.
"""

from __future__ import annotations

import logging
import threading
import time

from prometheus_client import Gauge
from sqlalchemy import Engine

log = logging.getLogger(__name__)
WAL_FRAMES = Gauge("anfang_sqlite_wal_frames", "Frames in the SQLite WAL at the last checkpoint")
WAL_BEHIND = Gauge(
    "anfang_sqlite_wal_frames_not_checkpointed", "WAL frames the last checkpoint could not copy"
)


# 32768 frames of a 4 kB page: the WAL starts over at about 128 MB (SQLite's journal size
# limit is set above that, so the file keeps its blocks).
RESTART_FRAMES = 32768
OPTIMIZE_EVERY_S = 3600.0


class WalCheckpointer:
    """Runs ``PRAGMA wal_checkpoint`` at an interval (SQLite only)."""

    def __init__(
        self, engine: Engine, interval: float = 1.0, restart_frames: int = RESTART_FRAMES
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.restart_frames = restart_frames
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_catch_up = 0.0
        self._pass_done = False  # set by a background pass that found the WAL large

    def start(self) -> None:
        """Start checkpointing."""
        self._thread = threading.Thread(target=self._run, name="anfang-wal", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop, after a final checkpoint that truncates the WAL."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self.checkpoint("TRUNCATE")

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int] | None:
        """Run one checkpoint now; (frames in the WAL, frames copied), None if it failed."""
        try:
            with self.engine.connect() as conn:
                row = conn.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})").one()
        except Exception:  # a busy or vanished database: the next round tries again
            log.warning("WAL checkpoint failed", exc_info=True)
            return None
        frames, copied = int(row[1]), int(row[2])
        WAL_FRAMES.set(max(frames, 0))
        WAL_BEHIND.set(max(frames - copied, 0))
        return frames, copied

    def catch_up(self) -> None:
        """On the writer's thread between batches: finish the last background pass.

        No write is in flight then, so the passive checkpoint can copy every frame (unless
        a reader still holds an older snapshot; the next pass tries again). Without the
        background thread (tests, tools) it runs once an interval.
        """
        if self._pass_done:
            self._pass_done = False
            self.checkpoint()
        elif self._thread is None and time.monotonic() >= self._next_catch_up:
            self._next_catch_up = time.monotonic() + self.interval
            self.checkpoint()

    def optimize(self, mask: int | None = None) -> bool:
        """``PRAGMA optimize``: refresh the query planner's statistics where they are stale
        (without them SQLite chose scans at a million events: issue 17); True if it ran."""
        arg = f"={mask:#x}" if mask is not None else ""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql(f"PRAGMA optimize{arg}")
        except Exception:  # a busy database: the next round tries again
            log.warning("PRAGMA optimize failed", exc_info=True)
            return False
        return True

    def _run(self) -> None:
        # At start, analyse what was never analysed (0x10002: with a row limit per index,
        # so a large database costs well under a second); then hourly as SQLite advises.
        self.optimize(0x10002)
        next_optimize = time.monotonic() + OPTIMIZE_EVERY_S
        while not self._stop.wait(self.interval):
            if time.monotonic() >= next_optimize:
                next_optimize = time.monotonic() + OPTIMIZE_EVERY_S
                self.optimize()
            result = self.checkpoint()
            if result is not None and result[0] >= self.restart_frames:
                self._pass_done = True
