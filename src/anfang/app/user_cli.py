"""``anfang user``: list, create, set-password, disable, enable — for the administrator at
the machine, e.g. after a lost password. Every step is audited as ``cli:<login name>``.

It runs on the kernel (no listeners); with SQLite, stop the server first so that one
process writes the audit chain (the command refuses while the configured port answers).
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from anfang.auth import admin
from anfang.auth.rbac import Role
from anfang.auth.users import UserExists, UserService
from anfang.config import Settings
from anfang.core.errors import DomainError
from anfang.kernel import Kernel

T = TypeVar("T")
Build = Callable[[Settings], Kernel]
console = Console(stderr=True)
NameArg = Annotated[str, typer.Argument(help="the user name")]
PasswordOpt = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="ANFANG_NEW_PASSWORD",
        help="the new password (default: asked for, not echoed); or ANFANG_NEW_PASSWORD",
    ),
]


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _server_answers(settings: Settings) -> bool:
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(settings.host, settings.host)
    try:
        with socket.create_connection((host, settings.port), timeout=0.5):
            return True
    except OSError:
        return False


def _ask_password(given: str | None) -> str:
    if given:
        return given
    first = getpass.getpass("new password: ")
    if first != getpass.getpass("again: "):
        console.print("[red]the two passwords differ; nothing changed[/red]")
        raise typer.Exit(2)
    return first


def make_user_app(build: Build) -> typer.Typer:
    """The ``anfang user`` commands on the kernel that ``build`` makes."""
    app = typer.Typer(help="Users: list, create, set a password, disable, enable.")

    def run(job: Callable[[UserService], Awaitable[T]], *, writes: bool = True) -> T:
        settings = Settings()
        if writes and _server_answers(settings) and not os.environ.get("ANFANG_USER_FORCE"):
            console.print(
                f"[red]anfang answers on port {settings.port}: stop it first (or use the "
                "API / console as an administrator)[/red]"
            )
            raise typer.Exit(2)

        async def go() -> T:
            kernel = build(settings)
            await kernel.start()
            try:
                return await job(kernel.users)
            finally:
                await kernel.stop()

        try:
            return asyncio.run(go())
        except (DomainError, UserExists) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc

    @app.command("list")
    def list_command() -> None:
        """Every user with role, state and last login."""
        users = run(admin.list_users, writes=False)
        table = Table("user", "name", "role", "state", "last login")
        for u in users:
            state = (
                "disabled"
                if u.disabled
                else ("must change password" if u.must_change_password else "active")
            )
            last = u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else "—"
            table.add_row(u.username, u.display_name, u.role, state, last)
        Console().print(table)

    @app.command("create")
    def create_command(
        username: NameArg,
        role: Annotated[Role, typer.Option("--role", help="the user's role")],
        display_name: Annotated[str, typer.Option("--name", help="display name")] = "",
        password: PasswordOpt = None,
    ) -> None:
        """Create a user with a temporary password (changed at the first login)."""
        pw = _ask_password(password)
        run(
            lambda users: users.create(
                username, pw, role, _actor(), display_name, must_change_password=True
            )
        )
        console.print(f"[green]created {username} ({role})[/green]")

    @app.command("set-password")
    def set_password_command(username: NameArg, password: PasswordOpt = None) -> None:
        """Set a temporary password (e.g. a lost one) and end the user's sessions."""
        pw = _ask_password(password)
        run(lambda users: admin.set_password(users, username, pw, _actor(), temporary=True))
        console.print(f"[green]password of {username} set; it must be changed at login[/green]")

    @app.command("disable")
    def disable_command(username: NameArg) -> None:
        """Disable a user and end their sessions."""
        run(lambda users: admin.update_user(users, username, _actor(), disabled=True))
        console.print(f"[green]{username} disabled[/green]")

    @app.command("enable")
    def enable_command(username: NameArg) -> None:
        """Enable a disabled user again."""
        run(lambda users: admin.update_user(users, username, _actor(), disabled=False))
        console.print(f"[green]{username} enabled[/green]")

    return app
