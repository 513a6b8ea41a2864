"""The platform starts, seeds, generates the first admin password once, and restarts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from anfang.core.platform import Platform
from anfang.store.models import AlarmDefinition, User
from tests.conftest import make_settings


async def test_generated_admin_password_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, admin_password=None)
    p = Platform(settings)
    await p.start()
    password = p.generated_admin_password
    assert password and len(password) >= 12
    token, _, user = await p.users.login("admin", password, "test")
    assert user.role == "admin" and token
    await p.stop()
    again = Platform(settings)
    await again.start()
    try:
        assert again.generated_admin_password is None  # never printed twice
        with again.read_session() as s:
            assert s.scalar(select(func.count()).select_from(User)) == 1
            assert s.scalar(select(func.count()).select_from(AlarmDefinition)) == 12
    finally:
        await again.stop()
