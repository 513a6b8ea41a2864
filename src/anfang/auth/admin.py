"""The user life cycle: list, create, change role, disable and enable, set and reset
passwords. Every step is audited; disabling a user or setting a password revokes the
user's sessions; the last enabled administrator cannot be disabled or demoted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from anfang.auth import initial
from anfang.auth.passwords import check_new, hash_new, hash_password, verify
from anfang.auth.rbac import Role
from anfang.auth.users import UserService
from anfang.core.errors import DomainError
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import User

INITIAL_ADMIN = "admin"


class UserError(DomainError):
    """A refused step of the user life cycle; ``status`` is its HTTP answer."""

    status = 400


class UserNotFound(UserError):
    """No user of that name."""

    status = 404


class LastAdmin(UserError):
    """The step would leave no enabled administrator."""

    status = 409


class WrongPassword(UserError):
    """The current password given does not match."""

    status = 403


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as administrators see it (never the password hash)."""

    username: str
    display_name: str
    role: str
    disabled: bool
    must_change_password: bool
    created_at: datetime
    password_changed_at: datetime | None
    last_login_at: datetime | None


def _info(u: User) -> UserInfo:
    return UserInfo(
        u.username,
        u.display_name,
        u.role,
        u.disabled,
        u.must_change_password,
        u.created_at,
        u.password_changed_at,
        u.last_login_at,
    )


async def list_users(users: UserService) -> list[UserInfo]:
    """Every user, by name."""

    def q() -> list[UserInfo]:
        with users.read_session() as s:
            return [_info(u) for u in s.scalars(select(User).order_by(User.username))]

    return await asyncio.to_thread(q)


async def get_user(users: UserService, username: str) -> UserInfo:
    """One user; raises :class:`UserNotFound`."""

    def q() -> User | None:
        with users.read_session() as s:
            return s.scalar(select(User).where(User.username == username))

    found = await asyncio.to_thread(q)
    if found is None:
        raise UserNotFound(f"no user {username!r}")
    return _info(found)


def _user(ctx: WriteContext, username: str) -> User:
    found = ctx.session.scalar(select(User).where(User.username == username))
    if found is None:
        raise UserNotFound(f"no user {username!r}")
    return found


def _other_enabled_admins(ctx: WriteContext, user: User) -> int:
    return int(
        ctx.session.scalar(
            select(func.count(User.id)).where(
                User.role == str(Role.ADMIN), User.disabled.is_(False), User.id != user.id
            )
        )
        or 0
    )


async def update_user(
    users: UserService,
    username: str,
    actor: str,
    *,
    role: Role | None = None,
    display_name: str | None = None,
    disabled: bool | None = None,
) -> UserInfo:
    """Change a user's role, name or enabled state (audited, each change named)."""

    def job(ctx: WriteContext) -> UserInfo:
        user = _user(ctx, username)
        changes: dict[str, object] = {}
        losing_admin = (
            user.role == Role.ADMIN
            and not user.disabled
            and ((role is not None and role != Role.ADMIN) or disabled is True)
        )
        if losing_admin and _other_enabled_admins(ctx, user) == 0:
            raise LastAdmin("the last enabled administrator cannot be disabled or demoted")
        if role is not None and role != user.role:
            changes["role"] = [user.role, str(role)]
            user.role = str(role)
        if display_name is not None and display_name != user.display_name:
            changes["display_name"] = [user.display_name, display_name]
            user.display_name = display_name
        if disabled is not None and disabled != user.disabled:
            changes["disabled"] = [user.disabled, disabled]
            user.disabled = disabled
        if changes:
            revoked = 0
            if user.disabled or "role" in changes:
                # A disabled user keeps no session; a new role takes effect at the next login.
                revoked = users.revoke_sessions(ctx, user.id)
            action = "user.update"
            if "disabled" in changes:
                action = "user.disable" if user.disabled else "user.enable"
            users.audit.append(
                ctx, actor, action, f"user:{username}", {**changes, "sessions_revoked": revoked}
            )
        ctx.session.flush()
        return _info(user)

    return await users.writer.run(job)


async def set_password(
    users: UserService, username: str, password: str, actor: str, *, temporary: bool
) -> None:
    """Set a user's password (audited) and revoke their sessions.

    ``temporary``: chosen by someone else (an administrator's reset, ``anfang user
    set-password``): the user must choose a new one at the next login.
    """
    pw_hash = await asyncio.to_thread(hash_new, password, username)
    await users.writer.run(
        lambda ctx: _store_password(users, ctx, username, pw_hash, actor, temporary)
    )
    if username == INITIAL_ADMIN and users.data_dir is not None:
        await asyncio.to_thread(initial.forget, users.data_dir)


def _store_password(
    users: UserService,
    ctx: WriteContext,
    username: str,
    pw_hash: str,
    actor: str,
    temporary: bool,
    keep_token: str | None = None,
) -> None:
    user = _user(ctx, username)
    ctx.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(password_hash=pw_hash, must_change_password=temporary, password_changed_at=utcnow())
    )
    revoked = users.revoke_sessions(ctx, user.id, keep=keep_token)
    action = "user.password_reset" if temporary else "user.password_change"
    users.audit.append(ctx, actor, action, f"user:{username}", {"sessions_revoked": revoked})


async def change_own_password(
    users: UserService, username: str, current: str, new: str, *, keep_token: str
) -> None:
    """A user changes their own password: the current one is checked, the other sessions
    are revoked, the one in use (``keep_token``) stays."""
    await asyncio.to_thread(check_new, new, username)  # zxcvbn: off the event loop
    if new == current:
        raise UserError("the new password must differ from the current one")

    def q() -> str | None:
        with users.read_session() as s:
            return s.scalar(select(User.password_hash).where(User.username == username))

    old_hash = await asyncio.to_thread(q)
    if old_hash is None or not await asyncio.to_thread(verify, old_hash, current):
        await users.audit.record(f"user:{username}", "user.password_change_failed", "", {})
        raise WrongPassword("the current password is wrong")
    pw_hash = await asyncio.to_thread(hash_password, new)
    await users.writer.run(
        lambda ctx: _store_password(
            users, ctx, username, pw_hash, f"user:{username}", False, keep_token
        )
    )
    if username == INITIAL_ADMIN and users.data_dir is not None:
        await asyncio.to_thread(initial.forget, users.data_dir)
