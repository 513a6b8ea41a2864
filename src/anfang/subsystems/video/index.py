"""Writer jobs of the recording index: segments, gaps, camera and device states.

Each function runs on the writer thread inside its transaction (``ctx.session``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anfang.core.writer import WriteContext
from anfang.store.models import Device
from anfang.subsystems.video.models import Camera, Gap, Segment


def recorded_cameras(session: Session) -> list[tuple[Camera, Device]]:
    """Cameras switched to record whose device is enabled, with their devices."""
    stmt = (
        select(Camera, Device)
        .join(Device, Device.id == Camera.device_id)
        .where(Camera.record.is_(True), Device.enabled.is_(True))
        .order_by(Camera.id)
    )
    return [(row[0], row[1]) for row in session.execute(stmt).all()]


def add_segment(ctx: WriteContext, *, msg: dict[str, Any]) -> int:
    """Index one complete segment file; returns its id."""
    seg = Segment(
        camera_id=int(msg["cam"]),
        start_at=msg["start"],
        end_at=msg["end"],
        bytes=int(msg["bytes"]),
        path=str(msg["path"]),
        codec=str(msg.get("codec") or "h264"),
    )
    if ctx.session.get(Camera, seg.camera_id) is None:
        return 0  # the camera was deleted meanwhile; the orphan clean-up takes the file
    if msg.get("first"):
        _gap_before(ctx, seg)
    ctx.session.add(seg)
    ctx.session.flush()
    return seg.id


def _gap_before(ctx: WriteContext, seg: Segment) -> None:
    # The first segment since the recorder started: the time since the camera's last
    # segment was not recorded (anfang was down) unless a gap already says so.
    prev_end = ctx.session.scalar(
        select(Segment.end_at)
        .where(Segment.camera_id == seg.camera_id, Segment.start_at < seg.start_at)
        .order_by(Segment.start_at.desc())
        .limit(1)
    )
    if prev_end is None or (seg.start_at - prev_end).total_seconds() < 2:
        return
    covered = ctx.session.scalar(
        select(Gap.id)
        .where(Gap.camera_id == seg.camera_id)
        .where((Gap.end_at.is_(None)) | (Gap.end_at > prev_end))
        .limit(1)
    )
    if covered is None:
        ctx.session.add(
            Gap(camera_id=seg.camera_id, start_at=prev_end, end_at=seg.start_at, reason="recorder")
        )


def open_gap(ctx: WriteContext, *, msg: dict[str, Any]) -> None:
    """Start a gap for a camera (unless one is open already)."""
    cam_id = int(msg["cam"])
    open_id = ctx.session.scalar(
        select(Gap.id).where(Gap.camera_id == cam_id, Gap.end_at.is_(None)).limit(1)
    )
    if open_id is None and ctx.session.get(Camera, cam_id) is not None:
        ctx.session.add(Gap(camera_id=cam_id, start_at=msg["start"], reason=msg["reason"][:200]))


def close_gap(ctx: WriteContext, msg: dict[str, Any]) -> dict[str, Any] | None:
    """End a camera's open gap; returns what it was (for the ``video.recording_gap`` event)."""
    gap = ctx.session.scalar(
        select(Gap).where(Gap.camera_id == int(msg["cam"]), Gap.end_at.is_(None)).limit(1)
    )
    if gap is None:
        return None
    end: datetime = max(msg["end"], gap.start_at)
    gap.end_at = end
    return {
        "start": gap.start_at.isoformat(),
        "end": end.isoformat(),
        "seconds": round((end - gap.start_at).total_seconds(), 3),
        "reason": gap.reason,
    }


def close_open_gaps(ctx: WriteContext, at: datetime) -> None:
    """End every open gap at ``at`` (the recorder stops; the next start opens new ones)."""
    ctx.session.execute(update(Gap).where(Gap.end_at.is_(None)).values(end_at=at))


def set_camera_state(
    ctx: WriteContext, camera_id: int, state: str, error: str, codec: str | None
) -> None:
    """Store a camera's recording state (and codec, once known)."""
    values: dict[str, Any] = {"state": state[:16], "last_error": error}
    if codec:
        values["codec"] = codec
    ctx.session.execute(update(Camera).where(Camera.id == camera_id).values(**values))
    ctx.publish("video.camera_state", {"camera_id": camera_id, "state": state, "error": error})


def set_device_state(ctx: WriteContext, code: str, state: str) -> None:
    """Set the site-model device's state (the device tracker reloads it)."""
    ctx.session.execute(update(Device).where(Device.code == code).values(state=state))
    ctx.mark_changed("devices")
