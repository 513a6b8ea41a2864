"""The district node's API (``site.read``): the communities it follows, one in detail. On a
community node the list is empty."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from anfang.api.deps import PlatformDep, Principal, require
from anfang.auth.rbac import Perm
from anfang.core.errors import DomainError
from anfang.uplink.component import DISTRICT

router = APIRouter(prefix="/uplink/district", tags=["uplink"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]


@router.get("/communities")
def communities(_: Reader, platform: PlatformDep) -> list[dict[str, Any]]:
    """Every community: last heard, events, open alarms, devices by state, lag p99."""
    node = platform.capabilities.get(DISTRICT)
    return node.listing() if node is not None else []


@router.get("/communities/{code}")
def community(code: str, _: Reader, platform: PlatformDep) -> dict[str, Any]:
    """One community: its open alarms, events by kind, the latest events."""
    node = platform.capabilities.get(DISTRICT)
    found = node.community(code) if node is not None else None
    if found is None:
        raise DomainError(f"no community {code!r} at this district node", 404)
    return found
