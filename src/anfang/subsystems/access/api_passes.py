"""REST API of visitor passes (mounted under ``/api/v1``): issue, list, revoke, QR, key."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.subsystems.access import pass_signer, queries, resident_users
from anfang.subsystems.access import passes_service as svc
from anfang.subsystems.access.models_passes import (
    PassCreate,
    PassIssued,
    PassOut,
    PassUseOut,
    ResidentLink,
    VerificationKey,
)
from anfang.subsystems.access.passes import MAX_TEXT

router = APIRouter(tags=["visitor_passes"])
Issuer = Annotated[Principal, Depends(require(Perm.PASSES_ISSUE))]
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Checker = Annotated[Principal, Depends(require(Perm.EVENTS_SUBMIT))]
Manager = Annotated[Principal, Depends(require(Perm.USERS_MANAGE))]


@contextmanager
def _http_errors() -> Iterator[None]:
    try:
        yield
    except svc.PassError as exc:
        raise HTTPException(exc.status, exc.message) from exc


def _staff(who: Principal) -> bool:
    return who.may(Perm.PASSES_MANAGE)


@router.post("/visitor-passes", response_model=PassIssued, status_code=201)
async def issue_pass(data: PassCreate, who: Issuer, platform: PlatformDep) -> PassIssued:
    """Issue a signed visitor pass (residents: for their own household); audited."""
    with _http_errors():
        return await svc.issue(platform, who, data)


@router.get("/visitor-passes", response_model=list[PassOut])
def list_passes(
    who: Issuer,
    session: SessionDep,
    household_id: DbId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PassOut]:
    """Passes, newest first (residents see only their household's)."""
    if not _staff(who):
        household_id = svc.resident_household(session, who)
        if household_id is None:
            return []
    rows = queries.passes(session, household_id=household_id, limit=limit)
    return [svc.pass_out(r) for r in rows]


@router.get("/visitor-passes/verification-key", response_model=VerificationKey)
async def verification_key(_: Reader, platform: PlatformDep) -> VerificationKey:
    """The Ed25519 public key gates use to check passes offline."""
    return (await pass_signer.signer(platform)).verification_key()


class CheckRequest(BaseModel):
    """A pass shown at a door (what a gate read from the QR code)."""

    model_config = ConfigDict(extra="forbid")

    qr_text: str = Field(min_length=1, max_length=MAX_TEXT)
    door: str = Field(min_length=1, max_length=64)


class CheckResult(BaseModel):
    """The online answer for one pass at one door."""

    granted: bool
    reason: str
    pass_id: str | None
    holder: str | None


@router.post("/visitor-passes/check", response_model=CheckResult)
async def check(data: CheckRequest, _: Checker, platform: PlatformDep) -> CheckResult:
    """Check a pass online and take one use if it opens (for gates that ask anfang)."""
    d = await svc.check_pass(platform, data.qr_text, data.door)
    return CheckResult(granted=d.granted, reason=d.reason, pass_id=d.pass_id, holder=d.holder)


@router.get("/visitor-passes/{pass_id}", response_model=PassOut)
async def get_pass(
    pass_id: str, who: Issuer, session: SessionDep, platform: PlatformDep
) -> PassOut:
    """One pass; staff see the visitor's phone, and that view is audited."""
    with _http_errors():
        row = svc.get_visible(session, who, pass_id, _staff(who))
        phone = svc.open_phone(platform, row) if _staff(who) else None
    if phone is not None:
        await platform.audit.record(who.actor, "visitor_pass.view", f"visitor_pass:{pass_id}", {})
    return svc.pass_out(row, phone)


@router.get("/visitor-passes/{pass_id}/uses", response_model=list[PassUseOut])
def pass_uses(pass_id: str, who: Issuer, session: SessionDep) -> list[PassUseOut]:
    """Every presentation of a pass, oldest first."""
    with _http_errors():
        svc.get_visible(session, who, pass_id, _staff(who))
    rows = queries.pass_uses(session, pass_id)
    return [PassUseOut(door=r.door, at=r.at, granted=r.granted, reason=r.reason) for r in rows]


class RevokeRequest(BaseModel):
    """Why a pass is revoked (optional; it goes to the audit log)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, min_length=2, max_length=200)


@router.post("/visitor-passes/{pass_id}/revoke", response_model=PassOut)
async def revoke_pass(
    pass_id: str,
    who: Issuer,
    platform: PlatformDep,
    data: Annotated[RevokeRequest | None, Body()] = None,
) -> PassOut:
    """Revoke a pass (residents: their household's); audited, with the reason if given."""
    reason = data.reason if data is not None else None
    with _http_errors():
        return await svc.revoke(platform, who, pass_id, _staff(who), reason)


_MEDIA = {"png": "image/png", "svg": "image/svg+xml"}


@router.get("/visitor-passes/{pass_id}/qr.{fmt}", response_class=Response)
async def pass_qr(
    pass_id: str,
    fmt: Literal["png", "svg"],
    who: Issuer,
    session: SessionDep,
    platform: PlatformDep,
    scale: Annotated[int, Query(ge=1, le=20)] = 6,
) -> Response:
    """The pass's QR code as PNG or SVG (to send to the visitor)."""
    sign = await pass_signer.signer(platform)
    with _http_errors():
        row = svc.get_visible(session, who, pass_id, _staff(who))
        text = svc.qr_text_of(row, sign)
    body = await asyncio.to_thread(svc.qr_image, text, fmt, scale)
    return Response(body, media_type=_MEDIA[fmt], headers={"Cache-Control": "no-store"})


@router.put("/resident-users/{username}", status_code=204)
async def bind_resident(
    username: str, data: ResidentLink, who: Manager, platform: PlatformDep
) -> None:
    """Bind a ``resident`` user to the household it issues passes for; audited."""

    with _http_errors():
        await resident_users.bind_resident(platform, who.actor, username, data.household_id)
