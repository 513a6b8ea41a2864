"""Alarm account schemas validate numbers and keys; the table exists after migration."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.subsystems.home_alarm.models import AccountCreate, AccountOut, AlarmAccount


def test_account_numbers_and_keys_are_checked_and_normalised() -> None:
    data = AccountCreate(account="12ab", key="00" * 32, kind="perimeter")
    assert data.account == "12AB" and data.key == "00" * 32 and data.kind == "perimeter"
    for bad in ("12", "G123", "1" * 17, "12-4"):
        with pytest.raises(ValidationError):
            AccountCreate(account=bad)
    for key in ("00" * 15, "00" * 20, "zz" * 16):
        with pytest.raises(ValidationError):
            AccountCreate(account="1234", key=key)
    with pytest.raises(ValidationError):
        AccountCreate.model_validate({"account": "1234", "kind": "office"})


async def test_table_round_trip_and_public_view_hides_the_key(platform: Platform) -> None:
    def add(ctx: WriteContext) -> None:
        ctx.session.add(AlarmAccount(account="1234", kind="home", legacy_key_hex="AA" * 16))

    await platform.writer.run(add)
    with platform.read_session() as s:
        row = s.scalars(select(AlarmAccount)).one()
        assert row.enabled is True and row.created_at.tzinfo is not None
        out = AccountOut.of(row)
    assert out.has_key is True
    assert "AA" * 16 not in out.model_dump_json()
