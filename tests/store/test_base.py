"""Portable types: aware datetimes only, exact round trip on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError, StatementError
from sqlalchemy.orm import Session

from anfang.store import migrate
from anfang.store.base import from_epoch_us, make_engine, to_epoch_us
from anfang.store.models import Site


@given(
    st.datetimes(
        # hypothesis takes naive bounds and adds the zone itself
        min_value=datetime(1971, 1, 1),  # noqa: DTZ001
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_epoch_microseconds_round_trip(t: datetime) -> None:
    assert from_epoch_us(to_epoch_us(t)) == t


def test_aware_round_trip_and_naive_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    try:
        t = datetime(2026, 11, 23, 20, 30, 1, 250, tzinfo=timezone(timedelta(hours=8)))
        with Session(engine) as s, s.begin():
            s.add(Site(code="A", name="甲", created_at=t))
        with Session(engine) as s:
            got = s.scalar(select(Site.created_at).where(Site.code == "A"))
        assert got == t and got is not None and got.utcoffset() == timedelta(0)
        with (
            pytest.raises(StatementError, match="naive datetime refused"),
            Session(engine) as s,
            s.begin(),
        ):
            s.add(Site(code="B", name="乙", created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
    finally:
        engine.dispose()


def test_writer_thread_gets_back_its_own_connection(db_url: str) -> None:
    """With two idle connections the pool hands back the one returned last (LIFO)."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    try:
        first, second = engine.connect(), engine.connect()  # the pool now holds two
        first.close()
        second.close()
        used = set()
        for _ in range(4):
            with engine.connect() as conn:
                used.add(id(conn.connection.dbapi_connection))
        assert len(used) == 1
    finally:
        engine.dispose()


def test_an_unfinished_read_leaves_no_old_snapshot_in_the_pool(tmp_path: Path) -> None:
    """A streamed SELECT left half-read (an early return) kept its SQLite read snapshot on
    the pooled connection; the next reader then missed rows committed since."""
    engine = make_engine(f"sqlite:///{tmp_path / 'snap.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (i INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1), (2), (3)"))
        with Session(engine) as s:
            rows = s.execute(text("SELECT i FROM t").execution_options(yield_per=1))
            assert next(iter(rows))[0] == 1  # and then stop reading (kept referenced)
        # The half-read connection is checked out again (the pool is LIFO) while another
        # commits a row; both go back, the half-read one last, so the next reader gets it.
        with engine.connect() as _again, engine.connect() as other:
            other.execute(text("INSERT INTO t VALUES (4)"))
            other.commit()
        with Session(engine) as s:
            assert s.scalar(text("SELECT count(*) FROM t")) == 4
        with pytest.raises(ProgrammingError):  # the abandoned result is closed, not stale
            list(rows)
    finally:
        engine.dispose()
