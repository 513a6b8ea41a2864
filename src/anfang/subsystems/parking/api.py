"""REST API of the car park (mounted under ``/api/v1``): lots, lanes and the white and black
lists (``parking.configure``), visitor invitations (``passes.manage``), each lot's state and
the sessions (``site.read``), confirming a misread exit (``alarms.handle``) and opening a
barrier by hand (``access.open``). Cameras use :mod:`.api_reads`."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.core.retrieval import Retrieval
from anfang.core.retrieval import detail as retrieval_detail
from anfang.store.base import utcnow
from anfang.subsystems.parking import queries
from anfang.subsystems.parking import service as svc
from anfang.subsystems.parking.models import ParkingLane, ParkingLot, ParkingVehicle
from anfang.subsystems.parking.schemas import (
    InviteIn,
    InviteOut,
    LaneIn,
    LaneOut,
    LotIn,
    LotOut,
    LotState,
    MatchIn,
    OpenIn,
    SessionOut,
    VehicleIn,
    VehicleOut,
)

router = APIRouter(prefix="/parking", tags=["parking"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Configurer = Annotated[Principal, Depends(require(Perm.PARKING_CONFIGURE))]
Desk = Annotated[Principal, Depends(require(Perm.PASSES_MANAGE))]
Handler = Annotated[Principal, Depends(require(Perm.ALARMS_HANDLE))]
Opener = Annotated[Principal, Depends(require(Perm.ACCESS_OPEN))]


@router.get("/lots", response_model=list[LotOut])
def list_lots(_: Reader, session: SessionDep) -> list[LotOut]:
    """Every car park."""
    return [LotOut.model_validate(r) for r in queries.lots(session)]


@router.post("/lots", response_model=LotOut, status_code=201)
async def add_lot(data: LotIn, who: Configurer, platform: PlatformDep) -> LotOut:
    """Add a car park."""
    return LotOut.model_validate(await svc.save(platform, who.actor, ParkingLot, data))


@router.put("/lots/{ident}", response_model=LotOut)
async def put_lot(ident: DbId, data: LotIn, who: Configurer, platform: PlatformDep) -> LotOut:
    """Replace a car park."""
    return LotOut.model_validate(await svc.save(platform, who.actor, ParkingLot, data, ident))


@router.get("/lots/state", response_model=list[LotState])
def lot_states(_: Reader, session: SessionDep) -> list[LotState]:
    """Each lot now: vehicles inside by class, free places, overstays, unmatched exits."""
    return queries.lot_states(session, utcnow())


@router.get("/lanes", response_model=list[LaneOut])
def list_lanes(_: Reader, session: SessionDep) -> list[LaneOut]:
    """Every lane (an LPR camera at an entry or exit)."""
    return [LaneOut.model_validate(r) for r in queries.lanes(session)]


@router.post("/lanes", response_model=LaneOut, status_code=201)
async def add_lane(data: LaneIn, who: Configurer, platform: PlatformDep) -> LaneOut:
    """Make an LPR camera a lane of a lot."""
    return LaneOut.model_validate(await svc.save(platform, who.actor, ParkingLane, data))


@router.put("/lanes/{ident}", response_model=LaneOut)
async def put_lane(ident: DbId, data: LaneIn, who: Configurer, platform: PlatformDep) -> LaneOut:
    """Replace a lane."""
    return LaneOut.model_validate(await svc.save(platform, who.actor, ParkingLane, data, ident))


@router.delete("/lanes/{ident}", status_code=204)
async def delete_lane(ident: DbId, who: Configurer, platform: PlatformDep) -> Response:
    """Remove a lane."""
    await svc.remove(platform, who.actor, ParkingLane, ident)
    return Response(status_code=204)


@router.post("/lanes/{ident}/open")
async def open_lane(
    ident: DbId, data: OpenIn, who: Opener, platform: PlatformDep
) -> dict[str, str]:
    """Open a lane's barrier by hand; the reason is required and audited."""
    return {"event_id": await svc.manual_open(platform, who.actor, ident, data.reason)}


@router.get("/vehicles", response_model=list[VehicleOut])
def list_vehicles(
    _: Reader,
    session: SessionDep,
    list_: Annotated[Literal["white", "black"] | None, Query(alias="list")] = None,
    plate: Annotated[str | None, Query(max_length=16)] = None,
) -> list[VehicleOut]:
    """Listed vehicles (at most 1,000), of one list or matching part of a plate."""
    return [VehicleOut.model_validate(v) for v in queries.vehicles(session, list_, plate)]


@router.post("/vehicles", response_model=VehicleOut, status_code=201)
async def add_vehicle(data: VehicleIn, who: Configurer, platform: PlatformDep) -> VehicleOut:
    """Put a plate on the white or black list (a black-listed plate needs a reason)."""
    return VehicleOut.model_validate(await svc.save(platform, who.actor, ParkingVehicle, data))


@router.put("/vehicles/{ident}", response_model=VehicleOut)
async def put_vehicle(
    ident: DbId, data: VehicleIn, who: Configurer, platform: PlatformDep
) -> VehicleOut:
    """Replace a listed vehicle."""
    row = await svc.save(platform, who.actor, ParkingVehicle, data, ident)
    return VehicleOut.model_validate(row)


@router.delete("/vehicles/{ident}", status_code=204)
async def delete_vehicle(ident: DbId, who: Configurer, platform: PlatformDep) -> Response:
    """Take a plate off its list."""
    await svc.remove(platform, who.actor, ParkingVehicle, ident)
    return Response(status_code=204)


@router.get("/invites", response_model=list[InviteOut])
def list_invites(_: Reader, session: SessionDep) -> list[InviteOut]:
    """Invitations not yet over."""
    return [InviteOut.model_validate(i) for i in queries.invites(session, utcnow())]


@router.post("/invites", response_model=InviteOut, status_code=201)
async def add_invite(data: InviteIn, who: Desk, platform: PlatformDep) -> InviteOut:
    """Let a visitor vehicle in for a time (at most seven days)."""
    return InviteOut.model_validate(await svc.invite(platform, who.actor, data))


@router.delete("/invites/{ident}", response_model=InviteOut)
async def revoke_invite(ident: DbId, who: Desk, platform: PlatformDep) -> InviteOut:
    """Withdraw an invitation."""
    return InviteOut.model_validate(await svc.revoke(platform, who.actor, ident))


@router.get("/sessions", response_model=list[SessionOut])
async def list_sessions(
    who: Reader,
    platform: PlatformDep,
    state: Literal["inside", "left", "unmatched"] | None = None,
    plate: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    reason: Annotated[str | None, Query(max_length=500)] = None,
    unit: Annotated[str, Query(max_length=200)] = "",
    requester: Annotated[str, Query(max_length=100)] = "",
) -> list[SessionOut]:
    """The latest stays, with their dwell. Searching by ``plate`` traces a vehicle: it needs
    a ``reason`` and is audited with the requesting ``unit`` and ``requester``."""
    if plate:
        if reason is None or len(reason.strip()) < 2:
            raise HTTPException(422, "a plate search needs a reason (it is logged with who asks)")
        ask = Retrieval(reason=reason, unit=unit, requester=requester)
        detail = {"plate": plate, **retrieval_detail(ask, who.actor)}
        await platform.audit.record(who.actor, "parking.plate_search", plate, detail)

    def read() -> list[SessionOut]:
        with platform.read_session() as s:
            return queries.sessions(s, utcnow(), state, plate, limit)

    return await asyncio.to_thread(read)


@router.post("/sessions/{ident}/match", response_model=SessionOut)
async def confirm_match(
    ident: DbId, data: MatchIn, who: Handler, platform: PlatformDep
) -> SessionOut:
    """Confirm that unmatched exit ``ident`` was vehicle ``session_id`` misread (audited)."""
    row = await svc.confirm_match(platform, who.actor, ident, data.session_id)
    return queries.session_out(row, utcnow())
