"""WAL checkpoints run off the commit path and empty the WAL at the end."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

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
