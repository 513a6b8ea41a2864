"""REST API of access control (under ``/api/v1/access``): doors and readers, audited
remote open (operators), the decision log and face captures; configuration of holders,
credentials and rules is in ``api_config``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from anfang.api.deps import PlatformDep, SessionDep
from anfang.api.types import DbId
from anfang.kernel import Kernel
from anfang.store.models import Device, Site, Unit
from anfang.subsystems.access import captures, crud, queries
from anfang.subsystems.access import schemas as s
from anfang.subsystems.access.api_common import (
    Config,
    Events,
    Opener,
    People,
    Reader,
    delete_row,
    errors,
)
from anfang.subsystems.access.models import AccessDoor, AccessReader, scbk_purpose
from anfang.subsystems.access.service import ACCESS, get_service

router = APIRouter(prefix="/access", tags=["access"])
DECISION_KINDS = ("access.granted", "access.denied", "access.remote_open")
LOG_KINDS = (*DECISION_KINDS, "access.door_forced", "access.door_held", "access.door_closed")


# ---------------------------------------------------------------------- doors


@router.get("/doors", response_model=list[s.DoorOut])
def list_doors(_: Reader, session: SessionDep, platform: PlatformDep) -> list[s.DoorOut]:
    """Every door, gate, turnstile and barrier with its live state and alarm."""
    access = platform.capabilities.get(ACCESS)
    live = access.doors if access is not None else {}
    out = []
    for row in queries.rows(session, AccessDoor):
        door = s.DoorOut.model_validate(row)
        rt = live.get(row.id)
        if rt is not None and rt.open is not None:
            door.state, door.alarm = ("open" if rt.open else "closed"), rt.alarm
        out.append(door)
    return out


@router.post("/doors", response_model=s.DoorOut, status_code=201)
async def create_door(data: s.DoorIn, who: Config, platform: PlatformDep) -> s.DoorOut:
    """Add a door (its code must be new)."""

    def fn(session: Session) -> tuple[s.DoorOut, str, dict[str, Any]]:
        crud.need(session, Site, data.site_id, "site_id")
        crud.need(session, Device, data.device_id, "device_id")
        crud.need(session, Unit, data.unit_id, "unit_id")
        row = AccessDoor(**data.model_dump())
        session.add(row)
        session.flush()
        return s.DoorOut.model_validate(row), f"access_door:{row.id}", data.model_dump()

    with errors():
        return await crud.write(platform, who.actor, "access.door.create", fn)


@router.patch("/doors/{door_id}", response_model=s.DoorOut)
async def update_door(
    door_id: DbId, data: s.DoorPatch, who: Config, platform: PlatformDep
) -> s.DoorOut:
    """Change a door's settings."""
    changes = data.model_dump(exclude_unset=True)

    def fn(session: Session) -> tuple[s.DoorOut, str, dict[str, Any]]:
        row = crud.get_or_404(session, AccessDoor, door_id, "door")
        for k, v in changes.items():
            setattr(row, k, v)
        return s.DoorOut.model_validate(row), f"access_door:{door_id}", changes

    with errors():
        return await crud.write(platform, who.actor, "access.door.update", fn)


@router.delete("/doors/{door_id}", status_code=204)
async def delete_door(door_id: DbId, who: Config, platform: PlatformDep) -> None:
    """Remove a door with its readers and rules."""
    await delete_row(platform, who, AccessDoor, door_id, "door")


@router.post("/doors/{door_id}/open", status_code=202)
async def remote_open(
    door_id: DbId, data: s.RemoteOpenIn, who: Opener, platform: PlatformDep
) -> dict[str, Any]:
    """Open a door remotely; the reason is required and audited (``access.remote_open``)."""
    with errors():
        event_id = await get_service(platform).remote_open(door_id, who.actor, data.reason)
    return {"event_id": event_id, "door_id": door_id}


@router.post("/holders/{holder_id}/passback/forgive")
async def forgive_passback(
    holder_id: DbId, data: s.PassbackForgiveIn, who: Opener, platform: PlatformDep
) -> dict[str, Any]:
    """Clear a holder's anti-passback state (all areas, or ``area``); audited with the reason."""
    with errors():
        n = await get_service(platform).forgive_passback(
            holder_id, data.area, who.actor, data.reason
        )
    return {"holder_id": holder_id, "cleared": n}


# ---------------------------------------------------------------------- readers


@router.get("/readers", response_model=list[s.ReaderOut])
def list_readers(_: Reader, session: SessionDep) -> list[Any]:
    """Every reader."""
    return queries.rows(session, AccessReader)


@router.post("/readers", response_model=s.ReaderOut, status_code=201)
async def create_reader(data: s.ReaderIn, who: Config, platform: PlatformDep) -> s.ReaderOut:
    """Add a reader (device and address must be a new pair)."""

    def fn(session: Session) -> tuple[s.ReaderOut, str, dict[str, Any]]:
        crud.get_or_404(session, AccessDoor, data.door_id, "door")
        crud.need(session, Device, data.device_id, "device_id")
        row = AccessReader(**data.model_dump())
        session.add(row)
        session.flush()
        return s.ReaderOut.model_validate(row), f"access_reader:{row.id}", data.model_dump()

    with errors():
        out = await crud.write(platform, who.actor, "access.reader.create", fn)
    await _restart_osdp(platform, data.device_id)
    return out


async def _restart_osdp(platform: Kernel, device_id: DbId) -> None:
    """(Re)connect the OSDP bus of ``device_id`` so that it polls its new PD."""

    def osdp_code() -> str | None:
        with platform.read_session() as session:
            return queries.osdp_code(session, device_id)

    link = get_service(platform).osdp
    code = await asyncio.to_thread(osdp_code)
    if link is not None and code is not None:
        await link.restart(code)


@router.delete("/readers/{reader_id}", status_code=204)
async def delete_reader(reader_id: DbId, who: Config, platform: PlatformDep) -> None:
    """Remove a reader."""
    await delete_row(platform, who, AccessReader, reader_id, "reader")


@router.put("/readers/{reader_id}/scbk", response_model=s.ReaderOut)
async def set_scbk(
    reader_id: DbId, data: s.ScbkIn, who: Config, platform: PlatformDep
) -> s.ReaderOut:
    """Set (or clear with null) an OSDP reader's secure-channel key; stored sealed, never
    shown or audited in clear; its bus reconnects to use it."""

    def fn(session: Session) -> tuple[tuple[s.ReaderOut, str], str, dict[str, Any]]:
        row = crud.get_or_404(session, AccessReader, reader_id, "reader")
        key = bytes.fromhex(data.scbk) if data.scbk else None
        purpose = scbk_purpose(row.device_id, row.address)
        row.scbk_sealed = platform.secrets.seal(key, purpose) if key else None
        code = queries.osdp_code(session, row.device_id) or ""
        detail = {"secure": key is not None}
        return (s.ReaderOut.model_validate(row), code), f"access_reader:{reader_id}", detail

    with errors():
        out, code = await crud.write(platform, who.actor, "access.reader.scbk", fn)
    link = get_service(platform).osdp
    if code and link is not None:
        await link.restart(code)
    return out


# ---------------------------------------------------------------------- log, captures


@router.get("/log")
def decision_log(
    _: Events,
    session: SessionDep,
    platform: PlatformDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[str | None, Query(max_length=26, description="event id")] = None,
    after: Annotated[str | None, Query(max_length=26, description="event id (live tail)")] = None,
    result: Annotated[str | None, Query(pattern="^(granted|denied)$")] = None,
    door_id: DbId | None = None,
) -> list[dict[str, Any]]:
    """Decisions and door events, newest first (page back with ``before``, tail with ``after``)."""
    kinds = {"granted": ["access.granted"], "denied": ["access.denied"]}.get(
        result or "", list(LOG_KINDS)
    )
    return queries.decision_log(
        session, kinds, limit=limit, before=before, after=after, door_id=door_id
    )


@router.get("/captures/{day}/{name}", response_class=Response)
async def capture(day: str, name: str, _: People, platform: PlatformDep) -> Response:
    """A face capture (``..._t.jpg``: its thumbnail) kept with a decision; 404 once purged."""
    data = await asyncio.to_thread(captures.read, platform, f"{day}/{name}")
    if data is None:
        raise HTTPException(404, "no such capture (malformed name, or deleted by retention)")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private"})
