"""FastAPI dependencies: the platform, the caller, and permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from anfang.auth.principal import Principal
from anfang.auth.rbac import Perm
from anfang.kernel import Kernel

# What a user whose password someone else chose may do before choosing their own.
PASSWORD_CHANGE_PATHS = frozenset({"/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"})


def get_platform(request: Request) -> Kernel:
    """The running platform of this app."""
    platform: Kernel = request.app.state.platform
    return platform


def read_session(request: Request) -> Iterator[Session]:
    """A read-only session (writes go through the platform's writer)."""
    platform = get_platform(request)
    with platform.read_session() as session:
        yield session


async def current_principal(request: Request) -> Principal:
    """The caller behind the bearer token, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = await get_platform(request).authenticate(token.strip())
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or expired token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if principal.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "password change required: POST /api/v1/me/password first",
        )
    return principal


def require(perm: Perm, *alternatives: Perm) -> Callable[..., object]:
    """A dependency that lets the call through only for roles holding ``perm`` (or one
    of ``alternatives``)."""
    perms = (perm, *alternatives)

    async def check(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        if not any(principal.may(p) for p in perms):
            await get_platform(request).audit.record(
                principal.actor,
                "access.denied",
                f"{request.method} {request.url.path}",
                {"permission": str(perm), "role": principal.role},
            )
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"role {principal.role!r} lacks permission {perm}"
            )
        return principal

    check.permissions = perms  # type: ignore[attr-defined]  # read by the route × role test
    return check


PlatformDep = Annotated[Kernel, Depends(get_platform)]

__all__ = ["PlatformDep", "Principal", "SessionDep", "current_principal", "get_platform", "require"]
# Released when the route returns, before the response is serialised and sent: a slow
# client never holds a database connection.
SessionDep = Annotated[Session, Depends(read_session, scope="function")]
