"""Layered maps (read: ``site.read``; edit: ``site.write``): plans uploaded as PNG, JPEG,
SVG or a PDF page, and the devices placed on them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.subsystems.center import maps
from anfang.subsystems.center.plans import MAX_BYTES, PlanRefused

router = APIRouter(prefix="/center/maps", tags=["center"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Editor = Annotated[Principal, Depends(require(Perm.SITE_WRITE))]


class PlaceIn(BaseModel):
    """Where on the plan, as fractions of its width and height."""

    model_config = ConfigDict(extra="forbid")
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)


@router.get("")
def list_maps(_: Reader, session: SessionDep) -> list[dict[str, Any]]:
    """Every plan with the devices placed on it."""
    return maps.layers(session)


@router.post("", status_code=201)
async def upload_map(
    who: Editor,
    platform: PlatformDep,
    file: Annotated[UploadFile, File(description="PNG, JPEG, SVG or PDF")],
    name: Annotated[str, Form(min_length=1, max_length=200)],
    building_id: Annotated[DbId | None, Form()] = None,
    floor: Annotated[int | None, Form(ge=-10, le=200)] = None,
    page: Annotated[int, Form(ge=1, le=1000)] = 1,
) -> dict[str, Any]:
    """Upload a plan: refused with a ``code`` when it is not an image, is damaged, too large,
    or an SVG with scripts, handlers, a DTD or references outside itself."""
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PlanRefused(f"larger than {MAX_BYTES // 2**20} MB", "plan_too_large")
    root = platform.settings.data_dir
    return await maps.upload(platform, root, who.actor, name, data, building_id, floor, page)


@router.get("/{layer_id}/image", response_class=FileResponse)
def map_image(
    layer_id: DbId, _: Reader, session: SessionDep, platform: PlatformDep
) -> FileResponse:
    """The plan's image (an SVG is served so that nothing in it can run)."""
    path, mime = maps.image(session, platform.settings.data_dir, layer_id)
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"}
    return FileResponse(path, media_type=mime, headers=headers)


@router.put("/{layer_id}/devices/{code}", status_code=204, response_class=Response)
async def place_device(
    layer_id: DbId, code: str, data: PlaceIn, who: Editor, platform: PlatformDep
) -> Response:
    """Put a device on the plan, or move it."""
    await maps.place(platform, who.actor, layer_id, code, data.x, data.y)
    return Response(status_code=204)


@router.delete("/{layer_id}/devices/{code}", status_code=204, response_class=Response)
async def unplace_device(layer_id: DbId, code: str, who: Editor, platform: PlatformDep) -> Response:
    """Take a device off the plan."""
    await maps.unplace(platform, who.actor, layer_id, code)
    return Response(status_code=204)


@router.delete("/{layer_id}", status_code=204, response_class=Response)
async def delete_map(layer_id: DbId, who: Editor, platform: PlatformDep) -> Response:
    """Remove a plan and its placements."""
    await maps.delete(platform, who.actor, layer_id)
    return Response(status_code=204)
