"""GA/T 1400's own paths where an upper view library calls anfang (``/VIID/Subscribes``),
mounted as the standard names them. The caller is the upper platform itself: digest
authentication with its ID (``User-Identify``) and the password configured for it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from anfang.api.deps import PlatformDep
from anfang.uplink import viid_views

AT_ROOT = True
router = APIRouter(prefix="/VIID", tags=["uplink"])


@router.post("/Subscribes")
async def subscribe(request: Request, platform: PlatformDep) -> Response:
    """Take the upper's subscriptions (``SubscribeListObject``); answered per subscription
    with ``ResponseStatusListObject``. 401 with a digest challenge until it authenticates."""
    return await viid_views.subscribe(platform, request)
