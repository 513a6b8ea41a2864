"""The account service: create, read, refuse, audit without keys, and the directory."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anfang.core.platform import Platform
from anfang.store.models import AuditEntry
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.models import AccountCreate


async def test_create_read_and_refuse(platform: Platform) -> None:
    out = await svc.create_account(platform, "user:a", AccountCreate(account="ab12", key="11" * 16))
    assert out.account == "AB12" and out.has_key
    with platform.read_session() as s:
        assert svc.get_account(s, "ab12").id == out.id
        assert [a.account for a in svc.list_accounts(s)] == ["AB12"]
        with pytest.raises(svc.NotFound):
            svc.get_account(s, "FFFF")
    with pytest.raises(svc.Conflict):
        await svc.create_account(platform, "user:a", AccountCreate(account="AB12"))
    with pytest.raises(svc.Invalid):
        await svc.create_account(platform, "user:a", AccountCreate(account="777", household_id=99))


async def test_audited_without_the_key(platform: Platform) -> None:
    await svc.create_account(platform, "user:a", AccountCreate(account="1234", key="22" * 16))
    with platform.read_session() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "alarm_account.create")
        ).one()
    assert entry.actor == "user:a" and entry.detail["has_key"] is True
    assert "22" * 16 not in str(entry.detail)


async def test_directory_follows_changes(platform: Platform) -> None:
    directory = svc.AccountDirectory()
    platform.writer.hooks.append(directory)
    try:
        await platform.writer.run(lambda ctx: directory.load(ctx.session))
        assert directory.get("1234") is None
        await svc.create_account(platform, "t", AccountCreate(account="1234", key="33" * 16))
        await svc.create_account(platform, "t", AccountCreate(account="5678", enabled=False))
        info = directory.get("1234")
        assert info is not None and info.key == bytes.fromhex("33" * 16)
        assert info.source == "SIA-1234" and directory.key_for("1234") == info.key
        assert directory.get("5678") is None  # disabled accounts are not served
    finally:
        platform.writer.hooks.remove(directory)
