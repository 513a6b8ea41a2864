"""REST API of alarm accounts, their partitions (arm state) and zones (mounted under
``/api/v1``); keys go in, never out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.auth.rbac import Perm
from anfang.subsystems.home_alarm import partitions as parts
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.models import (
    AccountCreate,
    AccountOut,
    AccountUpdate,
    ArmRequest,
    PartitionIn,
    PartitionOut,
    ZoneIn,
    ZoneOut,
)

router = APIRouter(tags=["home_alarm"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Writer = Annotated[Principal, Depends(require(Perm.DEVICES_WRITE))]
Handler = Annotated[Principal, Depends(require(Perm.ALARMS_HANDLE))]


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


@router.patch("/alarm-accounts/{account}", response_model=AccountOut)
async def update_account(
    account: str, data: AccountUpdate, who: Writer, platform: PlatformDep
) -> AccountOut:
    """Change an account: supervision, place, enabled; ``key`` rotates it (``null`` removes)."""
    with _http_errors():
        return await svc.update_account(platform, who.actor, account, data)


@router.get("/alarm-accounts/{account}/partitions", response_model=list[PartitionOut])
def list_partitions(account: str, _: Reader, session: SessionDep) -> list[PartitionOut]:
    """An account's partitions and their arm state."""
    with _http_errors():
        return parts.list_partitions(session, account)


@router.put("/alarm-accounts/{account}/partitions", response_model=PartitionOut)
async def put_partition(
    account: str, data: PartitionIn, who: Writer, platform: PlatformDep
) -> PartitionOut:
    """Create or update a partition (name; whether operators may record its arm state)."""
    with _http_errors():
        return await parts.put_partition(platform, who.actor, account, data)


@router.post("/alarm-accounts/{account}/partitions/{partition}/arm", response_model=PartitionOut)
async def set_arm_state(
    account: str, partition: str, req: ArmRequest, who: Handler, platform: PlatformDep
) -> PartitionOut:
    """Record that a partition was armed or disarmed (audited; nothing is sent to the
    panel: DC-09 carries reports, not commands). 409 where the panel keeps its own state."""
    with _http_errors():
        return await parts.set_arm_state(platform, who.actor, account, partition, req)


@router.get("/alarm-accounts/{account}/zones", response_model=list[ZoneOut])
def list_zones(account: str, _: Reader, session: SessionDep) -> list[ZoneOut]:
    """An account's zones."""
    with _http_errors():
        return parts.list_zones(session, account)


@router.put("/alarm-accounts/{account}/zones", response_model=ZoneOut)
async def put_zone(account: str, data: ZoneIn, who: Writer, platform: PlatformDep) -> ZoneOut:
    """Create or update a zone: type (panic and 24-hour zones are never disarmed),
    partition, room (home) or site perimeter zone (perimeter hosts)."""
    with _http_errors():
        return await parts.put_zone(platform, who.actor, account, data)
