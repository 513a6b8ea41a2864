"""Log in, log out, who am I, and user management."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from anfang.api.deps import Principal, current_principal, get_platform
from anfang.auth import admin, rbac
from anfang.auth.passwords import MAX_LENGTH, MIN_LENGTH
from anfang.auth.throttle import LoginThrottled

router = APIRouter(tags=["auth"])


class TokenRequest(BaseModel):
    """Credentials."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserOut(BaseModel):
    """A user as shown by the API (never the password hash)."""

    username: str
    role: str
    display_name: str
    must_change_password: bool = False
    timezone: str = Field(description="the site's time zone, in which the console shows times")
    permissions: list[str] = Field(
        default_factory=list, description="what the role may do (the console shows only that)"
    )


class TokenResponse(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


class PasswordChange(BaseModel):
    """The caller's current password and the new one."""

    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


@router.post("/auth/token", response_model=TokenResponse)
async def token(body: TokenRequest, request: Request) -> TokenResponse:
    """Exchange a user name and password for a bearer token (throttled after failures)."""
    platform = get_platform(request)
    client = request.client.host if request.client else "unknown"
    try:
        tok, expires, user = await platform.users.login(body.username, body.password, client)
    except LoginThrottled as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            str(exc),
            headers={"Retry-After": str(int(exc.retry_after) + 1)},
        ) from exc
    except PermissionError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from exc
    return TokenResponse(
        access_token=tok,
        expires_at=expires,
        user=UserOut(
            username=user.username,
            role=user.role,
            display_name=user.display_name,
            must_change_password=user.must_change_password,
            timezone=platform.settings.site_timezone,
            permissions=rbac.granted(user.role),
        ),
    )


@router.post("/auth/logout", status_code=204)
async def logout(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> None:
    """Revoke the token used for this call."""
    tok = request.headers.get("authorization", "").partition(" ")[2].strip()
    await get_platform(request).users.logout(tok, principal.actor)


@router.get("/me", response_model=UserOut)
async def me(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> UserOut:
    """The caller."""
    info = await admin.get_user(get_platform(request).users, principal.username)
    return UserOut(
        username=info.username,
        role=info.role,
        display_name=info.display_name,
        must_change_password=info.must_change_password,
        timezone=get_platform(request).settings.site_timezone,
        permissions=rbac.granted(info.role),
    )


@router.post("/me/password", status_code=204)
async def change_password(
    body: PasswordChange,
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
) -> None:
    """Change the caller's own password; every other session of the caller is revoked."""
    tok = request.headers.get("authorization", "").partition(" ")[2].strip()
    await admin.change_own_password(
        get_platform(request).users,
        principal.username,
        body.current_password,
        body.new_password,
        keep_token=tok,
    )
