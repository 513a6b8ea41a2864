"""REST API of cameras, recording status, segments and evidence holds (under ``/api/v1``).

Installers and admins (``devices.write``) change cameras and holds; everyone who reads the
site (operators included) reads them. Passwords go in and never come out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import AwareDatetime

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.subsystems.video import service as svc
from anfang.subsystems.video.recorder import RECORDER
from anfang.subsystems.video.schemas import (
    CameraCreate,
    CameraOut,
    CameraStatus,
    CameraUpdate,
    HoldCreate,
    HoldOut,
    SegmentOut,
)

router = APIRouter(prefix="/video", tags=["video"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Writer = Annotated[Principal, Depends(require(Perm.DEVICES_WRITE))]


@contextmanager
def _http_errors() -> Iterator[None]:
    try:
        yield
    except svc.VideoError as exc:
        raise HTTPException(exc.status, exc.message) from exc


@router.post("/cameras", response_model=CameraOut, status_code=201)
async def create_camera(data: CameraCreate, who: Writer, platform: PlatformDep) -> CameraOut:
    """Register a camera for a camera device; recording starts at once when ``record``."""
    with _http_errors():
        return await svc.create_camera(platform, who.actor, data)


@router.get("/cameras", response_model=list[CameraOut])
def list_cameras(_: Reader, session: SessionDep) -> list[CameraOut]:
    """Every camera."""
    return svc.list_cameras(session)


@router.get("/cameras/{camera_id}", response_model=CameraOut)
def get_camera(camera_id: DbId, _: Reader, session: SessionDep) -> CameraOut:
    """One camera."""
    with _http_errors():
        return svc.get_camera(session, camera_id)


@router.patch("/cameras/{camera_id}", response_model=CameraOut)
async def update_camera(
    camera_id: DbId, data: CameraUpdate, who: Writer, platform: PlatformDep
) -> CameraOut:
    """Change a camera (fields left out stay; ``password: ""`` removes it)."""
    with _http_errors():
        return await svc.update_camera(platform, who.actor, camera_id, data)


@router.get("/cameras/{camera_id}/status", response_model=CameraStatus)
def camera_status(
    camera_id: DbId, _: Reader, session: SessionDep, platform: PlatformDep
) -> CameraStatus:
    """Recording state, last segment and recent gaps."""
    rec = platform.capabilities.get(RECORDER)
    live = rec.status(camera_id) if rec is not None else None
    with _http_errors():
        return svc.camera_status(session, camera_id, live)


@router.get("/cameras/{camera_id}/segments", response_model=list[SegmentOut])
def list_segments(
    camera_id: DbId,
    _: Reader,
    session: SessionDep,
    start: Annotated[AwareDatetime, Query(description="range start (with time zone)")],
    end: Annotated[AwareDatetime, Query(description="range end (with time zone)")],
) -> list[SegmentOut]:
    """Segments overlapping ``[start, end)``, oldest first."""
    with _http_errors():
        return svc.list_segments(session, camera_id, start, end)


@router.post("/holds", response_model=HoldOut, status_code=201)
async def create_hold(data: HoldCreate, who: Writer, platform: PlatformDep) -> HoldOut:
    """Keep recordings of a range (one camera or all) past retention."""
    with _http_errors():
        return await svc.create_hold(platform, who.actor, data)


@router.get("/holds", response_model=list[HoldOut])
def list_holds(_: Reader, session: SessionDep, active: bool = True) -> list[HoldOut]:
    """Evidence holds (only those in force unless ``active=false``)."""
    return svc.list_holds(session, active)


@router.post("/holds/{hold_id}/release", response_model=HoldOut)
async def release_hold(hold_id: DbId, who: Writer, platform: PlatformDep) -> HoldOut:
    """Release a hold."""
    with _http_errors():
        return await svc.release_hold(platform, who.actor, hold_id)
