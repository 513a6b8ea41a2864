"""Read-side listings of the video API: exports and the media linked to an alarm."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.store.models import Device
from anfang.subsystems.video import export as ex
from anfang.subsystems.video.models import AlarmMedia, Camera, Export


def export_rows(s: Session, export_id: int | None, limit: int) -> list[dict[str, Any]]:
    """Exports newest first (or the one ``export_id``), with their files' paths."""
    stmt = (
        select(Export, Device.code)
        .join(Camera, Camera.id == Export.camera_id)
        .join(Device, Device.id == Camera.device_id)
        .order_by(Export.id.desc())
        .limit(limit)
    )
    if export_id is not None:
        stmt = stmt.where(Export.id == export_id)
    return [ex.export_json(e, code) | {"path": e.path} for e, code in s.execute(stmt)]


def media_json(m: AlarmMedia, code: str | None) -> dict[str, Any]:
    """One snapshot or clip of an alarm as JSON-ready data."""
    return {
        "id": m.id,
        "alarm_id": m.alarm_id,
        "event_id": m.event_id,
        "camera": code,
        "kind": m.kind,
        "sha256": m.sha256,
        "bytes": m.bytes,
        "start": m.start_at.isoformat() if m.start_at else None,
        "end": m.end_at.isoformat() if m.end_at else None,
        "created_at": m.created_at.isoformat(),
        "url": f"/api/v1/video/media/{m.id}",
    }


def media_rows(s: Session, alarm_id: str) -> list[dict[str, Any]]:
    """The snapshots and clips linked to an alarm, oldest first."""
    stmt = (
        select(AlarmMedia, Device.code)
        .outerjoin(Camera, Camera.id == AlarmMedia.camera_id)
        .outerjoin(Device, Device.id == Camera.device_id)
        .where(AlarmMedia.alarm_id == alarm_id)
        .order_by(AlarmMedia.id)
    )
    return [media_json(m, code) for m, code in s.execute(stmt)]
