"""The events insert on the hot path, straight to the database driver.

SQLAlchemy's per-value conversions cost about 40 µs an event in bench/pipeline (most of
the writer's time), so events are inserted with one ``executemany`` of pre-converted
rows: JSON by orjson, times as ``UTCDateTime`` stores them. What ``UTCDateTime`` and
``JSON`` read back is the same (tests/store/test_fast_insert.py checks that round trip on
both databases).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from anfang.core.events import Event
from anfang.store.base import to_epoch_us

_COLUMNS = (
    "id",
    "site_id",
    "source",
    "device_id",
    "zone_id",
    "kind",
    "severity",
    "occurred_at",
    "received_at",
    "payload",
    "media",
    "cause",
    "idempotency_key",
)
_JSON = {"payload", "media", "cause"}


def _dumps(v: Any) -> str:
    return orjson.dumps(v).decode()


def _sql(dialect: str) -> str:
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in _COLUMNS)
    else:
        marks = ", ".join("%s::json" if c in _JSON else "%s" for c in _COLUMNS)
    return f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({marks})"


def _row_builder(dialect: str) -> Callable[[Event], tuple[Any, ...]]:
    when: Callable[[datetime], Any] = to_epoch_us if dialect == "sqlite" else (lambda t: t)

    def row(ev: Event) -> tuple[Any, ...]:
        return (
            ev.id,
            ev.site_id,
            ev.source,
            ev.device_id,
            ev.zone_id,
            ev.kind,
            ev.severity,
            when(ev.occurred_at),
            when(ev.received_at),
            _dumps(ev.payload),
            _dumps(ev.media) if ev.media else "[]",  # most events have neither
            _dumps(ev.cause) if ev.cause else "[]",
            ev.idempotency_key,
        )

    return row


class EventInserter:
    """Inserts events in one driver-level ``executemany``."""

    def __init__(self, dialect: str) -> None:
        self.sql = _sql(dialect)
        self.row = _row_builder(dialect)

    def insert(self, conn: Connection, events: Sequence[Event]) -> None:
        """Insert ``events`` in the connection's current transaction."""
        conn.exec_driver_sql(self.sql, [self.row(ev) for ev in events])
