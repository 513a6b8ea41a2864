"""What the uplink's API answers, read off the event loop (a thread) and joined with the
running links' state."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from anfang.core.errors import DomainError
from anfang.uplink import service
from anfang.uplink.component import UPLINK
from anfang.uplink.models import UpperPlatform
from anfang.uplink.schemas import NationalIdOut, PlatformOut

if TYPE_CHECKING:
    from anfang.kernel import Kernel


def _rows(platform: Kernel) -> list[UpperPlatform]:
    with platform.read_session() as s:
        return service.platforms(s)


async def platforms(platform: Kernel) -> list[PlatformOut]:
    """Every upper platform with its state (``stopped`` when the uplink is switched off)."""
    rows = await asyncio.to_thread(_rows, platform)
    up = platform.capabilities.get(UPLINK)
    if up is not None:
        return await up.describe(rows)
    return [
        PlatformOut.model_validate(
            {
                **{c: getattr(r, c) for c in PlatformOut.model_fields if hasattr(r, c)},
                "has_password": bool(r.password_sealed),
            }
        )
        for r in rows
    ]


async def platform(platform_: Kernel, pid: int) -> PlatformOut:
    """One upper platform; 404 when there is none."""
    up = platform_.capabilities.get(UPLINK)
    if up is not None:
        await up.reconfigure()  # a change is in effect before it is answered
    for p in await platforms(platform_):
        if p.id == pid:
            return p
    raise DomainError(f"no upper platform {pid}", 404)


async def national_ids(platform: Kernel) -> list[NationalIdOut]:
    """Every device with a national ID."""

    def run() -> list[NationalIdOut]:
        with platform.read_session() as s:
            return service.national_ids(s)

    return await asyncio.to_thread(run)
