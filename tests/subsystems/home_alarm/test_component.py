"""Account supervision: communication failure, restore, link tests, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from anfang.subsystems.home_alarm.component import SIA_RECEIVER
from anfang.subsystems.home_alarm.models import (
    AccountCreate,
    AlarmAccount,
)
from tests.conftest import make_settings
from tests.subsystems.home_alarm.adapters.test_sia_receiver import exchange, frame, kind_of
from tests.subsystems.home_alarm.test_state import alarms, component, send


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    """A started platform whose own supervision clock does not tick during a test."""
    plat = Platform(make_settings(tmp_path, supervision_interval_seconds=3600))
    await plat.start()
    try:
        yield plat
    finally:
        await plat.stop()


async def age(platform: Platform, seconds: int = 120) -> None:
    """Move the platform's start and every account's creation ``seconds`` into the past."""
    component(platform).state.started_at -= timedelta(seconds=seconds)

    def job(ctx: WriteContext) -> None:
        for row in ctx.session.scalars(select(AlarmAccount)):
            row.created_at -= timedelta(seconds=seconds)
        ctx.session.flush()
        ctx.mark_changed(svc.TOPIC)

    await platform.writer.run(job)


async def test_supervision_fails_and_restores(platform: Platform) -> None:
    await svc.create_account(
        platform, "t", AccountCreate(account="1234", supervision_s=60, kind="perimeter")
    )
    comp = component(platform)
    assert await comp.check_now() == []
    await age(platform)  # as if silent for 2 minutes
    (fail,) = await comp.check_now()
    assert fail.kind == "perimeter.comm_fail"
    assert await comp.check_now() == []  # one failure, not one per round
    (alarm,) = alarms(platform)
    assert alarm.kind == "perimeter.comm_fail"
    await send(platform, "1234", 1, SiaEvent("RP"))
    (restore,) = await comp.check_now()
    assert restore.kind == "perimeter.comm_restore"
    with platform.read_session() as s:
        (acct,) = svc.list_accounts(s)
    assert acct.comm_state == "ok" and acct.last_seen_at is not None
    (alarm,) = alarms(platform)
    assert alarm.state == "new"  # latched: the restore does not clear it


async def test_link_tests_keep_an_account_alive(platform: Platform) -> None:
    await svc.create_account(platform, "t", AccountCreate(account="1234", supervision_s=60))
    comp = component(platform)
    await age(platform)  # as if silent for 2 minutes
    assert platform.capabilities.require(SIA_RECEIVER) is not None
    (reply,) = await exchange(
        platform.capabilities.require(SIA_RECEIVER), frame("1234", 1, events=[], id_token="NULL")
    )
    assert kind_of(reply) == b"ACK"
    assert await asyncio.wait_for(comp.check_now(), 5) == []


async def test_a_failure_survives_a_restart_until_the_panel_reports(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, supervision_interval_seconds=3600)
    plat = Platform(settings)
    await plat.start()
    try:
        await svc.create_account(plat, "t", AccountCreate(account="1234", supervision_s=60))
        await age(plat)
        assert [e.kind for e in await component(plat).check_now()] == ["home_alarm.comm_fail"]
    finally:
        await plat.stop()
    plat = Platform(settings)
    await plat.start()
    try:
        comp = component(plat)
        assert await comp.check_now() == []  # neither restored nor failed again
        await send(plat, "1234", 1, SiaEvent("RP"))
        assert [e.kind for e in await comp.check_now()] == ["home_alarm.comm_restore"]
    finally:
        await plat.stop()


async def test_a_new_account_gets_its_whole_interval(platform: Platform) -> None:
    component(platform).state.started_at -= timedelta(seconds=3600)  # running for an hour
    await svc.create_account(platform, "t", AccountCreate(account="1234", supervision_s=60))
    assert await component(platform).check_now() == []
