"""Declarative base, portable column types and engine construction."""

from __future__ import annotations

import os
import sqlite3
import weakref
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator, TypeEngine


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_epoch_us(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (how SQLite stores times)."""
    return (value - EPOCH) // _MICROSECOND


def from_epoch_us(value: int) -> datetime:
    """The aware UTC datetime of a microsecond count."""
    return EPOCH + timedelta(microseconds=value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    PostgreSQL keeps it as ``timestamptz``. SQLite, which has no time type, keeps whole
    microseconds since the epoch: exact, ordered, and about six times cheaper to write
    than text (bench/pipeline). Naive datetimes from callers are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: anfang stores timezone-aware times only")
        if dialect.name == "sqlite":
            return to_epoch_us(value)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, int):
            return from_epoch_us(value)
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected stored time {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every anfang table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# Twice the size at which the WAL is made to start over (store/checkpoint.py), so that in
# steady use the file keeps its blocks; a WAL that grew past it is cut back on restart.
WAL_SIZE_LIMIT = 256 * 1024 * 1024


class _TrackingConnection(sqlite3.Connection):
    """A SQLite connection that remembers its cursors, to close them on check-in.

    A subclass rather than SQLAlchemy's ``before_cursor_execute`` event: that event put
    bench/pipeline's p99 up by ~1.5 ms, this costs a method call per statement.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cursors: weakref.WeakSet[sqlite3.Cursor] = weakref.WeakSet()

    def cursor(self, factory: Any = sqlite3.Cursor) -> Any:
        """A new cursor, remembered."""
        cur = super().cursor(factory)
        self._cursors.add(cur)
        return cur

    def close_cursors(self) -> None:
        """Close every cursor still open (ends any read snapshot they hold)."""
        for cur in list(self._cursors):
            cur.close()
        self._cursors.clear()


def _private_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (it holds users, sealed secrets
    and the audit trail; SQLite gives its -wal and -shm files the same mode)."""
    if database in (None, "", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def make_engine(
    url: str,
    *,
    synchronous: str = "FULL",
    echo: bool = False,
    wal_autocheckpoint: int = 1000,
    pool_size: int | None = None,
    pool_timeout: float = 30.0,
) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys.

    ``wal_autocheckpoint=0`` leaves WAL checkpoints to the caller (the writer runs them
    on a thread of their own, so that no commit pays for one). ``pool_size`` bounds the
    connections (no overflow); ``pool_timeout`` is how long a caller waits for one.
    """
    kwargs: dict[str, Any] = {
        "echo": echo,
        "json_serializer": _json_dumps,
        # orjson reads stored JSON about three times as fast (a page of events: bench/console)
        "json_deserializer": orjson.loads,
    }
    if make_url(url).database not in (None, "", ":memory:"):
        # A pooled file database or server: hand out the connection returned last. In FIFO
        # order the writer thread took the other idle connection (the WAL checkpointer's)
        # every other batch, and SQLite drops a connection's page cache when another one
        # committed in between: strace in bench/sia saw ~40 page reads a commit, none now.
        kwargs["pool_use_lifo"] = True
        kwargs["pool_timeout"] = pool_timeout
    if url.startswith("sqlite"):
        _private_file(make_url(url).database)
        kwargs["connect_args"] = {
            "check_same_thread": False,
            "timeout": 30,
            "factory": _TrackingConnection,
        }
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 8
        kwargs["max_overflow"] = 8
    if pool_size is not None and "pool_timeout" in kwargs:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = 0
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint)}")
            cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            cur.close()

        # A SELECT that was not read to its end keeps its SQLite read snapshot open until
        # its cursor is closed, and a pooled connection carries that old snapshot to the
        # next reader, who then misses what was committed since (a call's new state seen,
        # its event, committed in the same transaction, not yet). So every cursor of a
        # connection is closed when the connection goes back to the pool.
        @event.listens_for(engine, "checkin")
        def _close_cursors(dbapi_conn: Any, _record: Any) -> None:
            if isinstance(dbapi_conn, _TrackingConnection):
                dbapi_conn.close_cursors()

    return engine
