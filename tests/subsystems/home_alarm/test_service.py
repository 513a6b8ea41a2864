"""The account service: create, read, refuse, audit without keys, and the directory."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.core.writer import WriteContext
from anfang.store.models import AuditEntry
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.component import ACCOUNTS
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
    directory = svc.AccountDirectory(platform.secrets)
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


async def test_keys_are_sealed_at_rest(platform: Platform) -> None:
    from anfang.subsystems.home_alarm.models import AlarmAccount

    key = bytes(range(16))
    await svc.create_account(platform, "t", AccountCreate(account="ab12", key=key.hex()))
    with platform.read_session() as s:
        row = s.scalars(select(AlarmAccount)).one()
    assert row.legacy_key_hex is None and row.key_sealed is not None
    assert key not in row.key_sealed and key.hex().encode() not in row.key_sealed
    assert platform.secrets.open(row.key_sealed, svc.key_purpose("AB12")) == key
    assert platform.capabilities.require(ACCOUNTS).key_for("AB12") == key


async def test_plain_keys_from_before_0003_are_sealed_at_start(settings: Settings) -> None:
    from anfang.subsystems.home_alarm.models import AlarmAccount

    plat = Platform(settings)
    await plat.start()
    try:

        def add(ctx: WriteContext) -> None:
            ctx.session.add(
                AlarmAccount(account="9001", kind="perimeter", legacy_key_hex="AB" * 16)
            )
            ctx.mark_changed(svc.TOPIC)

        await plat.writer.run(add)
        assert plat.capabilities.require(ACCOUNTS).key_for("9001") == bytes.fromhex(
            "AB" * 16
        )  # still usable
    finally:
        await plat.stop()
    plat = Platform(settings)
    await plat.start()
    try:
        with plat.read_session() as s:
            row = s.scalars(select(AlarmAccount)).one()
            sealed = s.scalars(
                select(AuditEntry).where(AuditEntry.action == "alarm_account.key_sealed")
            ).all()
        assert row.legacy_key_hex is None and row.key_sealed is not None
        assert len(sealed) == 1
        assert plat.capabilities.require(ACCOUNTS).key_for("9001") == bytes.fromhex("AB" * 16)
    finally:
        await plat.stop()


async def test_a_key_sealed_for_another_account_does_not_open(platform: Platform) -> None:
    from anfang.subsystems.home_alarm.models import AlarmAccount

    await svc.create_account(platform, "t", AccountCreate(account="1111", key="11" * 16))
    await svc.create_account(platform, "t", AccountCreate(account="2222", key="22" * 16))

    def swap(ctx: WriteContext) -> None:
        rows = {r.account: r for r in ctx.session.scalars(select(AlarmAccount))}
        rows["2222"].key_sealed = rows["1111"].key_sealed  # copied into another row
        ctx.mark_changed(svc.TOPIC)

    await platform.writer.run(swap)
    assert (
        platform.capabilities.require(ACCOUNTS).get("2222") is None
    )  # refused (DUH), never the wrong key
    assert platform.capabilities.require(ACCOUNTS).key_for("1111") == bytes.fromhex("11" * 16)
