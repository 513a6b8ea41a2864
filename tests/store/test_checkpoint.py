"""WAL checkpoints run off the commit path, let the WAL start over and empty it at the end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from anfang.core.writer import WriteContext, Writer
from anfang.store.base import make_engine
from anfang.store.checkpoint import WalCheckpointer


def test_checkpoint_truncates_wal(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    engine = make_engine(f"sqlite:///{db}", wal_autocheckpoint=0)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x BLOB)"))
        for _ in range(200):
            conn.execute(text("INSERT INTO t VALUES (randomblob(4000))"))
    wal = Path(f"{db}-wal")
    assert wal.stat().st_size > 500_000  # nothing checkpointed by itself
    cp = WalCheckpointer(engine, interval=0.05)
    cp.start()
    cp.stop()
    assert wal.stat().st_size == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 200
    engine.dispose()


async def _write_blobs(db: Path, catch_up: bool) -> int:
    """200 commits of 8 kB, one at a time; returns the largest WAL size seen."""
    engine = make_engine(f"sqlite:///{db}", wal_autocheckpoint=0)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x BLOB)"))
    cp = WalCheckpointer(engine, interval=0.0)
    writer = Writer(engine)
    if catch_up:
        writer.between_batches = cp.catch_up
    writer.start(asyncio.get_running_loop())
    wal = Path(f"{db}-wal")

    def insert(ctx: WriteContext) -> int:
        size = wal.stat().st_size  # on the writer thread: what the earlier commits left
        ctx.session.execute(text("INSERT INTO t VALUES (randomblob(8000))"))
        return size

    largest = 0
    try:
        for _ in range(201):
            largest = max(largest, await writer.run(insert))
    finally:
        await writer.stop()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 201
    engine.dispose()
    return largest


async def test_writer_catch_up_lets_the_wal_start_over(tmp_path: Path) -> None:
    # Under steady writes a checkpoint from another thread never finishes, so the WAL
    # only starts over when the writer completes it between its own batches.
    without = await _write_blobs(tmp_path / "a.db", catch_up=False)
    with_catch_up = await _write_blobs(tmp_path / "b.db", catch_up=True)
    assert without > 200 * 8000
    assert with_catch_up < 20 * 8000
