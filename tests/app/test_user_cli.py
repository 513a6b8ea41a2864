"""``anfang user``: list, create, set-password, disable, enable (audited as cli:<user>)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from anfang.app.platform import Platform
from anfang.cli import app
from anfang.store.models import AuditEntry
from tests.conftest import free_port, make_settings


def test_user_commands(tmp_path: Path) -> None:
    env = {"ANFANG_DATA_DIR": str(tmp_path), "ANFANG_PORT": str(free_port())}
    runner = CliRunner()

    def run(*args: str) -> str:
        r = runner.invoke(app, ["user", *args], env=env)
        assert r.exit_code == 0, r.output
        return r.output

    run("create", "zhao", "--role", "operator", "--name", "赵", "--password", "zhao-temp-pw-1")
    out = run("list")
    assert "zhao" in out and "must change password" in out and "admin" in out
    run("set-password", "admin", "--password", "admin-reset-pw-2")
    run("disable", "zhao")
    assert "disabled" in run("list")
    run("enable", "zhao")
    r = runner.invoke(app, ["user", "disable", "nobody"], env=env)
    assert r.exit_code == 1 and "no user 'nobody'" in r.output
    r = runner.invoke(app, ["user", "set-password", "zhao", "--password", "short"], env=env)
    assert r.exit_code == 1 and "shorter" in r.output

    async def check() -> None:
        p = Platform(make_settings(tmp_path, admin_password=None))
        await p.start()
        try:
            _, _, user = await p.users.login("admin", "admin-reset-pw-2", "test")
            assert user.must_change_password  # set at the machine: temporary
            with p.read_session() as s:
                rows = s.execute(
                    select(AuditEntry.actor, AuditEntry.action).where(
                        AuditEntry.action.like("user.%")
                    )
                ).all()
            mine = [(actor, action) for actor, action in rows if actor != "system"]
            assert [a for _, a in mine] == [
                "user.create",
                "user.password_reset",
                "user.disable",
                "user.enable",
            ]
            assert all(actor.startswith("cli:") for actor, _ in mine)
        finally:
            await p.stop()

    asyncio.run(check())
