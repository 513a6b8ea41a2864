"""SQLite WAL checkpoints on a thread of their own.

With SQLite's automatic checkpoints, every thousandth page or so a commit of the writer
copies the WAL back into the database first: bench/pipeline saw those commits as
latency spikes of 50-150 ms. Here a passive checkpoint runs once a second from another
connection; in WAL mode it does not block the writer.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

log = logging.getLogger(__name__)


class WalCheckpointer:
    """Runs ``PRAGMA wal_checkpoint`` at an interval (SQLite only)."""

    def __init__(self, engine: Engine, interval: float = 1.0) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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

    def checkpoint(self, mode: str = "PASSIVE") -> None:
        """Run one checkpoint now."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})")
        except Exception:  # a busy or vanished database: the next round tries again
            log.warning("WAL checkpoint failed", exc_info=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.checkpoint()
