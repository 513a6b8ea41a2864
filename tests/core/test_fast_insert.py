"""The driver-level events insert reads back exactly through the ORM, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.store.models import EventRow
from tests.conftest import make_settings


async def test_round_trip(tmp_path: Path, db_url: str) -> None:
    p = Platform(make_settings(tmp_path, database_url=db_url))
    await p.start()
    try:
        beijing = timezone(timedelta(hours=8))
        whole_second = datetime(2026, 11, 23, 8, 0, 0, tzinfo=beijing)
        ev = Event.create(
            "access.granted",
            "GATE-1",
            occurred_at=whole_second,
            payload={"卡号": "12345678", "nested": [1, 2.5, None, True]},
            media=[{"kind": "snapshot", "path": "a/b.jpg"}],
            cause=["x"],
            idempotency_key="GATE-1:9",
        )
        await p.pipeline.submit(ev)
        with p.read_session() as s:
            row = s.get(EventRow, ev.id)
            assert row is not None
            assert row.occurred_at == whole_second and row.occurred_at.tzinfo is not None
            assert row.received_at == ev.received_at
            assert row.payload == ev.payload and row.media == ev.media and row.cause == ["x"]
            assert row.idempotency_key == "GATE-1:9" and row.severity == ev.severity
    finally:
        await p.stop()
