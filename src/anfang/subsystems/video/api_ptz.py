"""PTZ of a camera from the console (``video.view``; every command audited): its presets,
go to one, move briefly."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from anfang.api.deps import PlatformDep, Principal, require
from anfang.auth.rbac import Perm
from anfang.core.errors import DomainError
from anfang.kernel import Kernel
from anfang.subsystems.video import ptz
from anfang.subsystems.video.media import MEDIA, MediaService

router = APIRouter(prefix="/video/cameras/{code}/ptz", tags=["video"])
Viewer = Annotated[Principal, Depends(require(Perm.VIDEO_VIEW))]


class PresetIn(BaseModel):
    """The preset to go to (its token)."""

    model_config = ConfigDict(extra="forbid")
    preset: str = Field(min_length=1, max_length=64)


class MoveIn(BaseModel):
    """Speeds from -1 to 1; the camera moves half a second, then stops."""

    model_config = ConfigDict(extra="forbid")
    pan: float = Field(default=0, ge=-1, le=1)
    tilt: float = Field(default=0, ge=-1, le=1)
    zoom: float = Field(default=0, ge=-1, le=1)


def _svc(platform: Kernel) -> MediaService:
    svc = platform.capabilities.get(MEDIA)
    if svc is None:
        raise DomainError("video is not running", 503)
    return svc


@router.get("")
async def list_presets(code: str, _: Viewer, platform: PlatformDep) -> list[dict[str, str]]:
    """The camera's presets (empty without PTZ); 422 without an ONVIF address."""
    return await ptz.presets(_svc(platform), code)


@router.post("/preset", status_code=204, response_class=Response)
async def goto_preset(code: str, data: PresetIn, who: Viewer, platform: PlatformDep) -> Response:
    """Turn the camera to a preset."""
    await ptz.goto(_svc(platform), who.actor, code, data.preset)
    return Response(status_code=204)


@router.post("/move", status_code=204, response_class=Response)
async def move(code: str, data: MoveIn, who: Viewer, platform: PlatformDep) -> Response:
    """Move the camera briefly (the console's arrows and zoom)."""
    await ptz.move(_svc(platform), who.actor, code, data.pan, data.tilt, data.zoom)
    return Response(status_code=204)
