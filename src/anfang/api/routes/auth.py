"""Log in, log out, who am I, and user management."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from anfang.api.deps import Principal, SessionDep, current_principal, get_platform, require
from anfang.auth.rbac import Perm, Role
from anfang.auth.users import LoginThrottled, UserExists
from anfang.store.models import User

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


class TokenResponse(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


class UserCreate(BaseModel):
    """A new user."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=10, max_length=256)
    role: Role
    display_name: str = Field(default="", max_length=100)


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
        user=UserOut(username=user.username, role=user.role, display_name=user.display_name),
    )


@router.post("/auth/logout", status_code=204)
async def logout(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> None:
    """Revoke the token used for this call."""
    tok = request.headers.get("authorization", "").partition(" ")[2].strip()
    await get_platform(request).users.logout(tok, principal.actor)


@router.get("/me", response_model=UserOut)
def me(principal: Annotated[Principal, Depends(current_principal)], session: SessionDep) -> UserOut:
    """The caller."""
    user = session.get(User, principal.user_id)
    assert user is not None
    return UserOut(username=user.username, role=user.role, display_name=user.display_name)


@router.get("/users", response_model=list[UserOut])
def list_users(
    _: Annotated[Principal, Depends(require(Perm.USERS_MANAGE))], session: SessionDep
) -> list[UserOut]:
    """Every user."""
    return [
        UserOut(username=u.username, role=u.role, display_name=u.display_name)
        for u in session.scalars(select(User).order_by(User.username))
    ]


@router.post("/users", response_model=UserOut, status_code=201)
async def create_user(
    body: UserCreate,
    request: Request,
    principal: Annotated[Principal, Depends(require(Perm.USERS_MANAGE))],
) -> UserOut:
    """Create a user (admin only; audited)."""
    try:
        await get_platform(request).users.create(
            body.username, body.password, body.role, principal.actor, body.display_name
        )
    except UserExists as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return UserOut(
        username=body.username, role=str(body.role), display_name=body.display_name or body.username
    )
