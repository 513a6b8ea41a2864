"""Layered maps: plans stored under the data directory (named by their SHA-256), devices
placed on them; every upload, placement and removal audited."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.core.errors import DomainError
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Building, Device
from anfang.subsystems.center import plans
from anfang.subsystems.center.models import CenterMapLayer, CenterMapPlacement
from anfang.subsystems.center.shifts import CenterPlatform

FOLDER = "maps"


def layers(s: Session) -> list[dict[str, Any]]:
    """Every plan with the devices placed on it (by code)."""
    rows = list(s.scalars(select(CenterMapLayer).order_by(CenterMapLayer.id)))
    placed: dict[int, list[dict[str, Any]]] = {r.id: [] for r in rows}
    for layer_id, code, x, y in s.execute(
        select(
            CenterMapPlacement.layer_id, Device.code, CenterMapPlacement.x, CenterMapPlacement.y
        ).join(Device, Device.id == CenterMapPlacement.device_id)
    ):
        placed[layer_id].append({"device": code, "x": x, "y": y})
    return [
        {
            "id": r.id,
            "name": r.name,
            "building_id": r.building_id,
            "floor": r.floor,
            "mime": r.mime,
            "width": r.width,
            "height": r.height,
            "devices": placed[r.id],
        }
        for r in rows
    ]


def image(s: Session, root: Path, layer_id: int) -> tuple[Path, str]:
    """A plan's file and its type."""
    row = s.get(CenterMapLayer, layer_id)
    if row is None:
        raise DomainError(f"no plan {layer_id}", 404)
    return root / row.path, row.mime


async def upload(
    platform: CenterPlatform,
    root: Path,
    actor: str,
    name: str,
    data: bytes,
    building_id: int | None = None,
    floor: int | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """Check, store and register a plan (PDF pages drawn in a thread)."""
    plan = await asyncio.to_thread(plans.accept, data, page)
    digest = hashlib.sha256(plan.data).hexdigest()
    rel = f"{FOLDER}/{digest}.{plan.ext}"
    target = root / rel

    def write() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():  # the same plan twice is one file
            tmp = target.with_suffix(".part")
            tmp.write_bytes(plan.data)
            tmp.replace(target)

    await asyncio.to_thread(write)

    def job(ctx: WriteContext) -> tuple[dict[str, Any], str, Any]:
        if building_id is not None and ctx.session.get(Building, building_id) is None:
            raise DomainError(f"no building {building_id}", 422)
        row = CenterMapLayer(
            name=name,
            building_id=building_id,
            floor=floor,
            path=rel,
            mime=plan.mime,
            width=plan.width,
            height=plan.height,
            sha256=digest,
            created_at=utcnow(),
            created_by=actor,
        )
        ctx.session.add(row)
        ctx.session.flush()
        out = {"id": row.id, "name": name, "width": plan.width, "height": plan.height}
        return out, f"center_map:{row.id}", {**out, "sha256": digest, "mime": plan.mime}

    return await audited(platform, actor, "center.map.upload", job)


async def place(
    platform: CenterPlatform, actor: str, layer_id: int, code: str, x: float, y: float
) -> None:
    """Put a device on a plan (or move it there)."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        s = ctx.session
        if s.get(CenterMapLayer, layer_id) is None:
            raise DomainError(f"no plan {layer_id}", 404)
        device = s.scalar(select(Device).where(Device.code == code))
        if device is None:
            raise DomainError(f"no device {code!r}", 404)
        row = s.get(CenterMapPlacement, (layer_id, device.id))
        if row is None:
            s.add(CenterMapPlacement(layer_id=layer_id, device_id=device.id, x=x, y=y))
        else:
            row.x, row.y = x, y
        return None, f"center_map:{layer_id}", {"device": code, "x": x, "y": y}

    await audited(platform, actor, "center.map.place", job)


async def unplace(platform: CenterPlatform, actor: str, layer_id: int, code: str) -> None:
    """Take a device off a plan."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        device = ctx.session.scalar(select(Device).where(Device.code == code))
        row = ctx.session.get(CenterMapPlacement, (layer_id, device.id)) if device else None
        if row is None:
            raise DomainError(f"{code!r} is not on plan {layer_id}", 404)
        ctx.session.delete(row)
        return None, f"center_map:{layer_id}", {"device": code}

    await audited(platform, actor, "center.map.unplace", job)


async def delete(platform: CenterPlatform, actor: str, layer_id: int) -> None:
    """Remove a plan and its placements (the file stays: another plan may share it)."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        row = ctx.session.get(CenterMapLayer, layer_id)
        if row is None:
            raise DomainError(f"no plan {layer_id}", 404)
        ctx.session.delete(row)
        return None, f"center_map:{layer_id}", {"name": row.name}

    await audited(platform, actor, "center.map.delete", job)
