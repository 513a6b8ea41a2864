"""Read helpers over the video tables shared by recording, playback and export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.config import Settings
from anfang.store.models import Device
from anfang.subsystems.video.models import Camera, Segment


def storage_root(settings: Settings) -> Path:
    """The folder recordings live under (``video_root``, default ``data_dir/recordings``)."""
    return settings.video_root or settings.data_dir / "recordings"


def segments_between(
    session: Session, camera_id: int, start: datetime, end: datetime
) -> list[Segment]:
    """The segments of a camera that overlap ``[start, end)``, oldest first."""
    stmt = (
        select(Segment)
        .where(
            Segment.camera_id == camera_id,
            Segment.start_at < end,
            Segment.end_at > start,
        )
        .order_by(Segment.start_at)
    )
    return list(session.scalars(stmt))


def camera_by_code(session: Session, code: str) -> Camera | None:
    """The camera whose site-model device has ``code``, or ``None``."""
    stmt = select(Camera).join(Device, Device.id == Camera.device_id).where(Device.code == code)
    return session.scalar(stmt)


def camera_code(session: Session, camera_id: int) -> str:
    """The device code of a camera ("" when it is gone)."""
    stmt = (
        select(Device.code)
        .join(Camera, Camera.device_id == Device.id)
        .where(Camera.id == camera_id)
    )
    return session.scalar(stmt) or ""
