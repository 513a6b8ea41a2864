"""The police uplink's API (read: ``site.read``; change: ``uplink.configure``): upper
platforms with their live state and backlog, national IDs, the type-code table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from anfang.api.deps import PlatformDep, Principal, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.uplink import ids, views
from anfang.uplink import service as svc
from anfang.uplink.schemas import NationalIdIn, NationalIdOut, PlatformIn, PlatformOut

router = APIRouter(prefix="/uplink", tags=["uplink"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Editor = Annotated[Principal, Depends(require(Perm.UPLINK_CONFIGURE))]


@router.get("/platforms", response_model=list[PlatformOut])
async def list_platforms(_: Reader, platform: PlatformDep) -> list[PlatformOut]:
    """Every upper platform: its settings (never the password), whether it accepts anfang
    now, the clock offset, the backlog with its oldest item, sent and dropped counts."""
    return await views.platforms(platform)


@router.post("/platforms", response_model=PlatformOut, status_code=201)
async def create_platform(data: PlatformIn, who: Editor, platform: PlatformDep) -> PlatformOut:
    """Add an upper platform (audited); a unique name is required (409 otherwise)."""
    pid = await svc.save(platform, platform.secrets, who.actor, data)
    return await views.platform(platform, pid)


@router.put("/platforms/{platform_id}", response_model=PlatformOut)
async def replace_platform(
    platform_id: DbId, data: PlatformIn, who: Editor, platform: PlatformDep
) -> PlatformOut:
    """Change an upper platform (its link restarts; the password is kept when omitted)."""
    await svc.save(platform, platform.secrets, who.actor, data, platform_id)
    return await views.platform(platform, platform_id)


@router.delete("/platforms/{platform_id}", status_code=204, response_class=Response)
async def delete_platform(platform_id: DbId, who: Editor, platform: PlatformDep) -> Response:
    """Remove an upper platform (audited with the number of unsent items discarded)."""
    await svc.delete(platform, who.actor, platform_id)
    return Response(status_code=204)


@router.get("/national-ids", response_model=list[NationalIdOut])
async def list_national_ids(_: Reader, platform: PlatformDep) -> list[NationalIdOut]:
    """Every shareable device with its 20-digit national ID."""
    return await views.national_ids(platform)


@router.put("/national-ids/{device_id}", status_code=204, response_class=Response)
async def set_national_id(
    device_id: DbId, data: NationalIdIn, who: Editor, platform: PlatformDep
) -> Response:
    """Give a device the ID the police assigned: 20 digits, unique (409), its type code
    fitting the device (422)."""
    await svc.set_national_id(platform, who.actor, device_id, data.national_id)
    return Response(status_code=204)


@router.get("/type-codes")
def type_codes(_: Reader) -> dict[str, str]:
    """Which device type gets which GB/T 28181 type code."""
    return dict(ids.TYPE_CODES)
