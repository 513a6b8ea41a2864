"""User management for administrators: list, create, change role or name, disable and
enable, reset a password. Every step is audited by the service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from anfang.api.deps import Principal, get_platform, require
from anfang.auth import admin
from anfang.auth.passwords import MAX_LENGTH, MIN_LENGTH
from anfang.auth.rbac import Perm, Role
from anfang.auth.users import UserExists

router = APIRouter(tags=["users"])
Admin = Annotated[Principal, Depends(require(Perm.USERS_MANAGE))]
NAME = r"^[A-Za-z0-9_.@-]+$"


class UserDetail(BaseModel):
    """A user as administrators see it (never the password hash)."""

    username: str
    display_name: str
    role: str
    disabled: bool
    must_change_password: bool
    created_at: datetime
    password_changed_at: datetime | None
    last_login_at: datetime | None


class UserCreate(BaseModel):
    """A new user; the password is temporary: they choose their own at the first login."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64, pattern=NAME)
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    role: Role
    display_name: str = Field(default="", max_length=100)


class UserPatch(BaseModel):
    """What to change of a user; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=100)
    disabled: bool | None = None


class PasswordReset(BaseModel):
    """A temporary password set by an administrator."""

    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


def _detail(u: admin.UserInfo) -> UserDetail:
    return UserDetail(
        username=u.username,
        display_name=u.display_name,
        role=u.role,
        disabled=u.disabled,
        must_change_password=u.must_change_password,
        created_at=u.created_at,
        password_changed_at=u.password_changed_at,
        last_login_at=u.last_login_at,
    )


@router.get("/users", response_model=list[UserDetail])
async def list_users(_: Admin, request: Request) -> list[UserDetail]:
    """Every user with role, state and last login."""
    return [_detail(u) for u in await admin.list_users(get_platform(request).users)]


@router.post("/users", response_model=UserDetail, status_code=201)
async def create_user(body: UserCreate, request: Request, who: Admin) -> UserDetail:
    """Create a user with a temporary password (audited)."""
    users = get_platform(request).users
    try:
        await users.create(
            body.username,
            body.password,
            body.role,
            who.actor,
            body.display_name,
            must_change_password=True,
        )
    except UserExists as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return _detail(await admin.get_user(users, body.username))


@router.get("/users/{username}", response_model=UserDetail)
async def get_user(username: str, _: Admin, request: Request) -> UserDetail:
    """One user."""
    return _detail(await admin.get_user(get_platform(request).users, username))


@router.patch("/users/{username}", response_model=UserDetail)
async def update_user(username: str, body: UserPatch, request: Request, who: Admin) -> UserDetail:
    """Change role, display name or enabled state; disabling revokes the user's sessions."""
    info = await admin.update_user(
        get_platform(request).users,
        username,
        who.actor,
        role=body.role,
        display_name=body.display_name,
        disabled=body.disabled,
    )
    return _detail(info)


@router.post("/users/{username}/password", status_code=204)
async def reset_password(username: str, body: PasswordReset, request: Request, who: Admin) -> None:
    """Set a temporary password (the user must change it) and revoke the user's sessions."""
    await admin.set_password(
        get_platform(request).users, username, body.password, who.actor, temporary=True
    )
