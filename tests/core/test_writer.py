"""The single writer: group commit, idempotency, failure isolation, both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.models import EventRow, Site
from tests.conftest import make_settings


@pytest.fixture
async def plat(db_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    p = Platform(make_settings(tmp_path, database_url=db_url))
    await p.start()
    yield p
    await p.stop()


def _count(p: Platform) -> int:
    with p.read_session() as s:
        return s.scalar(select(func.count()).select_from(EventRow)) or 0


async def test_concurrent_submissions_are_batched_and_all_stored(plat: Platform) -> None:
    events = [
        Event.create("access.granted", f"GATE-{i % 7}", payload={"n": i}) for i in range(2000)
    ]
    stored = await asyncio.gather(*(plat.pipeline.submit(e) for e in events))
    assert all(not s.duplicate for s in stored)
    assert _count(plat) == 2000
    with plat.read_session() as s:
        row = s.get(EventRow, events[1234].id)
        assert row is not None and row.payload == {"n": 1234}
        assert row.occurred_at.tzinfo is not None


async def test_idempotency_key_stores_once_and_answers_each(plat: Platform) -> None:
    a = Event.create("access.granted", "GATE-1", idempotency_key="GATE-1:42")
    b = Event.create("access.granted", "GATE-1", idempotency_key="GATE-1:42")
    first, second = await plat.pipeline.submit_many([a, b])
    assert not first.duplicate and second.duplicate
    third = await plat.pipeline.submit(
        Event.create("access.granted", "GATE-1", idempotency_key="GATE-1:42")
    )
    assert third.duplicate and third.event.id == a.id
    assert _count(plat) == 1


async def test_a_failing_job_fails_alone(plat: Platform) -> None:
    def good(ctx: WriteContext) -> int:
        ctx.session.add(Site(code="S1", name="ok"))
        ctx.session.flush()
        return 1

    def bad(ctx: WriteContext) -> int:
        ctx.session.add(Site(code="S2", name="half"))
        ctx.session.flush()
        raise ValueError("boom")

    results = await asyncio.gather(
        plat.writer.run(good),
        plat.writer.run(bad),
        plat.pipeline.submit(Event.create("access.granted", "G")),
        return_exceptions=True,
    )
    assert results[0] == 1
    assert isinstance(results[1], ValueError)
    with plat.read_session() as s:
        codes = set(s.scalars(select(Site.code)))
    assert codes == {"S1"}
    assert _count(plat) == 1


async def test_naive_datetimes_are_refused(plat: Platform) -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        Event.create("access.granted", "G", occurred_at=datetime(2026, 1, 1))  # noqa: DTZ001
