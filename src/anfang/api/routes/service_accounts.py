"""Service accounts for integrations (administrators): list, create, rotate, revoke.
A key is shown once, in the answer that made it; every step is audited by the service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from anfang.api.deps import PlatformDep, Principal, require
from anfang.auth.rbac import Perm

router = APIRouter(tags=["service accounts"])
Admin = Annotated[Principal, Depends(require(Perm.USERS_MANAGE))]
NAME = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=NAME)]


class AccountCreate(BaseModel):
    """A new service account: a role (not admin or resident), optionally narrowed."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    role: str = Field(min_length=1, max_length=32)
    scopes: list[str] | None = Field(
        default=None, max_length=64, description="permissions of the role to keep (default all)"
    )
    days: int = Field(default=365, ge=1, le=730, description="the key expires after this")
    description: str = Field(default="", max_length=200)


class Rotation(BaseModel):
    """How long the old key keeps working, and the new key's life."""

    model_config = ConfigDict(extra="forbid")
    grace_seconds: int = Field(default=0, ge=0, le=7 * 86400)
    days: int = Field(default=365, ge=1, le=730)


class AccountOut(BaseModel):
    """A service account (never its key)."""

    name: str
    description: str
    role: str
    scopes: list[str] | None
    key_prefix: str
    created_by: str
    created_at: datetime
    rotated_at: datetime | None
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: str


class KeyOut(BaseModel):
    """A key, shown only in this answer: send it as ``Authorization: Bearer <key>``."""

    name: str
    key: str
    expires_at: datetime


@router.get("/service-accounts", response_model=list[AccountOut])
async def list_accounts(_: Admin, platform: PlatformDep) -> list[dict[str, Any]]:
    """Every service account, revoked ones included, with its last use."""
    return await platform.service_accounts.listing()


@router.post("/service-accounts", response_model=KeyOut, status_code=201)
async def create_account(body: AccountCreate, who: Admin, platform: PlatformDep) -> KeyOut:
    """Create an account; the answer holds its key, never shown again."""
    issued = await platform.service_accounts.create(
        who.actor,
        body.name,
        body.role,
        scopes=body.scopes,
        days=body.days,
        description=body.description,
    )
    return KeyOut(name=issued.name, key=issued.key, expires_at=issued.expires_at)


@router.post("/service-accounts/{name}/rotate", response_model=KeyOut)
async def rotate_account(name: Name, body: Rotation, who: Admin, platform: PlatformDep) -> KeyOut:
    """A new key; the old one works ``grace_seconds`` longer (default: stops at once)."""
    issued = await platform.service_accounts.rotate(
        who.actor, name, grace_s=body.grace_seconds, days=body.days
    )
    return KeyOut(name=issued.name, key=issued.key, expires_at=issued.expires_at)


@router.post("/service-accounts/{name}/revoke", status_code=204)
async def revoke_account(name: Name, who: Admin, platform: PlatformDep) -> None:
    """Revoke the account's key at once (the account stays listed, revoked)."""
    await platform.service_accounts.revoke(who.actor, name)
