"""REST API of the intercom (mounted under ``/api/v1``): call log, snapshots, remote unlock."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.kernel import Kernel
from anfang.subsystems.intercom import store
from anfang.subsystems.intercom.models import (
    CallOut,
    IntercomStatus,
    RegistrationOut,
    UnlockRequest,
)
from anfang.subsystems.intercom.service import INTERCOM, IntercomError, IntercomService

router = APIRouter(tags=["intercom"])
Reader = Annotated[Principal, Depends(require(Perm.INTERCOM_READ))]
Unlocker = Annotated[Principal, Depends(require(Perm.INTERCOM_UNLOCK))]


def _service(platform: Kernel) -> IntercomService:
    svc = platform.capabilities.get(INTERCOM)
    if svc is None or not svc.listening:
        raise HTTPException(503, "the intercom SIP service is not running")
    return svc


@router.get("/intercom/calls", response_model=list[CallOut])
def list_calls(
    _: Reader,
    session: SessionDep,
    household_id: DbId | None = None,
    door_station: str | None = None,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CallOut]:
    """The call log, newest first."""
    return store.list_calls(session, household_id, door_station, state, limit)


@router.get("/intercom/calls/{call_id}", response_model=CallOut)
def get_call(call_id: str, _: Reader, session: SessionDep) -> CallOut:
    """One call."""
    return store.call_out(store.get_call(session, call_id))


@router.get("/intercom/calls/{call_id}/snapshot.jpg", response_class=Response)
async def call_snapshot(
    call_id: str, who: Reader, session: SessionDep, platform: PlatformDep
) -> Response:
    """The visitor's snapshot of a call (every view is audited)."""
    row = store.get_call(session, call_id)
    data = await asyncio.to_thread(store.read_snapshot, platform, row)
    if data is None:
        raise HTTPException(404, f"call {call_id} has no snapshot")
    await platform.audit.record(who.actor, "intercom.snapshot.view", f"intercom_call:{call_id}", {})
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/intercom/status", response_model=IntercomStatus)
def status(_: Reader, platform: PlatformDep) -> IntercomStatus:
    """Whether the SIP service listens, and on which UDP port (503 when switched off)."""
    svc = platform.capabilities.get(INTERCOM)
    if svc is None:
        raise HTTPException(503, "the intercom is switched off (ANFANG_INTERCOM_ENABLED)")
    now = time.monotonic()
    host, port = svc.endpoint.local
    return IntercomStatus(
        listening=svc.listening,
        sip_host=host if svc.listening else svc.settings.sip_host,
        sip_port=port if svc.listening else None,
        domain=svc.settings.domain,
        ring_timeout_s=svc.settings.ring_timeout_s,
        registered=sum(1 for b in svc.bindings.values() if b.expires >= now),
    )


@router.get("/intercom/registrations", response_model=list[RegistrationOut])
def registrations(_: Reader, platform: PlatformDep) -> list[RegistrationOut]:
    """Door stations and monitors registered over SIP now."""
    svc = _service(platform)
    now = time.monotonic()
    return [
        RegistrationOut(
            code=code,
            kind=b.station.kind,
            host=b.addr[0],
            port=b.addr[1],
            expires_in_s=int(b.expires - now),
        )
        for code, b in sorted(svc.bindings.items())
        if b.expires >= now
    ]


@router.post("/intercom/door-stations/{code}/unlock", status_code=204)
async def remote_unlock(
    code: str, data: UnlockRequest, who: Unlocker, platform: PlatformDep
) -> None:
    """Open a door station from the centre (audited with the reason)."""
    try:
        await _service(platform).remote_unlock(code, who.actor, data.reason, data.call_id)
    except IntercomError as exc:
        raise HTTPException(exc.status, exc.message) from exc
