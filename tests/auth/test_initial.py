"""The first admin's generated password is kept in a file only its owner can read, until
the admin changes it; the admin must change it at the first login."""

from __future__ import annotations

import stat
from pathlib import Path

from anfang.app.platform import Platform
from anfang.auth import admin, initial
from tests.conftest import make_settings


async def test_kept_until_changed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, admin_password=None)
    p = Platform(settings)
    await p.start()
    try:
        password = p.generated_admin_password
        assert password is not None
        kept = p.initial_password_file()
        assert kept is not None and initial.read(tmp_path) == password
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        _, _, user = await p.users.login("admin", password, "test")
        assert user.must_change_password
    finally:
        await p.stop()
    # A second start (say, after a failed first one) finds it again.
    again = Platform(settings)
    await again.start()
    try:
        assert again.generated_admin_password is None
        assert initial.read(tmp_path) == password
        token, _, _ = await again.users.login("admin", password, "test")
        await admin.change_own_password(
            again.users, "admin", password, "my-own-admin-pw-1", keep_token=token
        )
        assert initial.read(tmp_path) is None and again.initial_password_file() is None
    finally:
        await again.stop()


async def test_no_file_for_a_chosen_password(tmp_path: Path) -> None:
    p = Platform(make_settings(tmp_path))
    await p.start()
    try:
        assert p.initial_password_file() is None
        _, _, user = await p.users.login("admin", "test-admin-password-1", "test")
        assert not user.must_change_password
    finally:
        await p.stop()
