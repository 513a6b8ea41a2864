"""REST API of alarm accounts (mounted under ``/api/v1``); keys go in, never out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from anfang.api.deps import Principal, SessionDep, get_platform, require
from anfang.api.rbac import Perm
from anfang.core.platform import Platform
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.models import AccountCreate, AccountOut

router = APIRouter(tags=["home_alarm"])
PlatformDep = Annotated[Platform, Depends(get_platform)]
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Writer = Annotated[Principal, Depends(require(Perm.DEVICES_WRITE))]


@contextmanager
def _http_errors() -> Iterator[None]:
    try:
        yield
    except svc.AccountError as exc:
        raise HTTPException(exc.status, exc.message) from exc


@router.post("/alarm-accounts", response_model=AccountOut, status_code=201)
async def create_account(data: AccountCreate, who: Writer, platform: PlatformDep) -> AccountOut:
    """Register a panel account (its number must be new)."""
    with _http_errors():
        return await svc.create_account(platform, who.actor, data)


@router.get("/alarm-accounts", response_model=list[AccountOut])
def list_accounts(_: Reader, session: SessionDep) -> list[AccountOut]:
    """Every account."""
    return svc.list_accounts(session)


@router.get("/alarm-accounts/{account}", response_model=AccountOut)
def get_account(account: str, _: Reader, session: SessionDep) -> AccountOut:
    """One account by number."""
    with _http_errors():
        return svc.get_account(session, account)
