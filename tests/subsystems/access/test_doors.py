"""Door states survive a restart: the persisted state is restored, a held-open limit that
passed meanwhile raises ``access.door_held`` once, a forced door is not raised again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.capabilities import DOOR_OPENER
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import EventRow
from anfang.subsystems.access.errors import AccessError
from anfang.subsystems.access.models import AccessDoor
from anfang.subsystems.access.service import ACCESS, AccessService
from tests.subsystems.access.conftest import CARD, Site, until


def _count(platform: Platform, kind: str) -> int:
    with platform.read_session() as s:
        return len(list(s.scalars(select(EventRow.id).where(EventRow.kind == kind))))


def _door(platform: Platform, door_id: int) -> AccessDoor:
    with platform.read_session() as s:
        row = s.get(AccessDoor, door_id)
        assert row is not None
        s.expunge(row)
        return row


async def _restart(platform: Platform) -> AccessService:
    """Stop the running door monitor and start a fresh service on the same database."""
    old = platform.capabilities.require(ACCESS)
    assert isinstance(old, AccessService)
    old.monitor.stop()
    fresh = AccessService(platform)
    await fresh.start()
    return fresh


async def test_open_door_restored_and_held_after_restart(site: Site, platform: Platform) -> None:
    svc = platform.capabilities.require(ACCESS)
    assert isinstance(svc, AccessService)
    door = site.ids["door"]
    assert (await svc.present("TERM-UNIT", None, "card", CARD)).decision.granted
    assert (await svc.door_report("TERM-UNIT", None, True))[0] is None  # a legitimate open
    row = _door(platform, door)
    assert (row.state, row.alarm) == ("open", None) and row.open_since is not None

    def backdate(ctx: WriteContext) -> None:  # the restart took longer than held_open_s
        r = ctx.session.get(AccessDoor, door)
        assert r is not None and r.open_since is not None
        r.open_since -= timedelta(minutes=10)

    await platform.writer.run(backdate)
    fresh = await _restart(platform)
    try:
        await until(lambda: _count(platform, "access.door_held") == 1)
        await until(lambda: _door(platform, door).alarm == "held")
        assert fresh.doors[door].open and fresh.doors[door].alarm == "held"
        kind, _ = await fresh.door_report("TERM-UNIT", None, False)
        assert kind == "access.door_closed"
        row = _door(platform, door)
        assert (row.state, row.alarm, row.open_since) == ("closed", None, None)
    finally:
        await fresh.stop()
    assert _count(platform, "access.door_held") == 1


async def test_forced_door_is_not_raised_again(site: Site, platform: Platform) -> None:
    svc = platform.capabilities.require(ACCESS)
    assert isinstance(svc, AccessService)
    door = site.ids["door"]
    assert (await svc.door_report("TERM-UNIT", None, True))[0] == "access.door_forced"
    assert _door(platform, door).alarm == "forced"
    fresh = await _restart(platform)
    try:
        rt = fresh.doors[door]
        assert rt.open and rt.alarm == "forced" and rt.held_task is None
        assert (await fresh.door_report("TERM-UNIT", None, True))[0] is None  # still open
        assert (await fresh.door_report("TERM-UNIT", None, False))[0] == "access.door_closed"
    finally:
        await fresh.stop()
    assert _count(platform, "access.door_forced") == 1
    assert _count(platform, "access.door_held") == 0


async def test_open_door_timer_resumes_with_time_left(site: Site, platform: Platform) -> None:
    svc = platform.capabilities.require(ACCESS)
    assert isinstance(svc, AccessService)
    await svc.present("TERM-UNIT", None, "card", CARD)
    await svc.door_report("TERM-UNIT", None, True, at=utcnow())
    fresh = await _restart(platform)
    try:
        rt = fresh.doors[site.ids["door"]]
        assert rt.open and rt.alarm is None and rt.held_task is not None
        await until(lambda: _count(platform, "access.door_held") == 1)  # held_open_s is 3
    finally:
        await fresh.stop()


async def test_other_parts_learn_which_doors_exist(site: Site, platform: Platform) -> None:
    """The car park (and its demo) ask access control whether a barrier is configured."""
    opener = platform.capabilities.require(DOOR_OPENER)
    assert opener.has_door("U1") and opener.has_door("GATE-S")
    assert not opener.has_door("GATE-E-V1")
    with pytest.raises(AccessError) as refused:
        await opener.open_door("GATE-E-V1", "test", "no such barrier")
    assert refused.value.status == 404
