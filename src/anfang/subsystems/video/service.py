"""Cameras and recordings: registering cameras, status, segments, evidence holds.

Writes go through the writer with an audit entry in the same transaction; camera edits
mark ``video_cameras`` changed, so the recorder picks them up at once. Passwords are
sealed with ``platform.secrets`` (purpose ``camera:<device code>``) and never returned.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.audit.log import AuditLog
from anfang.core.capabilities import RETENTION, Capabilities
from anfang.core.errors import DomainError
from anfang.core.secretbox import SecretBox
from anfang.core.writer import WriteContext, Writer
from anfang.store.base import utcnow
from anfang.store.models import Device
from anfang.subsystems.video.models import Camera, EvidenceHold, Gap, Segment
from anfang.subsystems.video.recorder import TOPIC
from anfang.subsystems.video.schemas import (
    CameraCreate,
    CameraOut,
    CameraStatus,
    CameraUpdate,
    GapOut,
    HoldCreate,
    HoldOut,
    SegmentOut,
)
from anfang.subsystems.video.store import segments_between

MAX_SEGMENTS = 10_000


class VideoPlatform(Protocol):
    """What the camera service needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def secrets(self) -> SecretBox: ...

    @property
    def capabilities(self) -> Capabilities: ...

    def read_session(self) -> AbstractContextManager[Session]: ...


class VideoError(DomainError):
    """A refused operation; ``status`` is the HTTP answer it maps to."""

    status = 400


class NotFound(VideoError):
    """No such camera or hold."""

    status = 404


class Conflict(VideoError):
    """The device already has a camera."""

    status = 409


class Invalid(VideoError):
    """A field refers to something that does not exist or does not fit."""

    status = 422


def password_purpose(code: str) -> str:
    """The associated data a camera's sealed password is bound to."""
    return f"camera:{code}"


def _device(session: Session, code: str) -> Device:
    dev = session.scalar(select(Device).where(Device.code == code))
    if dev is None:
        raise Invalid(f"device_code: no device {code}")
    if "camera" not in dev.type:
        raise Invalid(f"device_code: device {code} is a {dev.type}, not a camera")
    return dev


def check_retention(platform: VideoPlatform, days: int | None) -> None:
    """Refuse keeping recordings shorter than the records rules' minimum for video."""
    policy = platform.capabilities.get(RETENTION)
    floor = policy.days("video") if policy is not None else None
    if days is not None and floor is not None and days < floor:
        raise Invalid(f"retention_days: recordings are kept at least {floor} days (records rules)")


async def create_camera(platform: VideoPlatform, actor: str, data: CameraCreate) -> CameraOut:
    """Register a camera for a camera device (one camera per device)."""
    check_retention(platform, data.retention_days)
    secret = data.password.get_secret_value() if data.password else None
    sealed = (
        platform.secrets.seal(secret.encode(), password_purpose(data.device_code))
        if secret
        else None
    )

    def job(ctx: WriteContext) -> CameraOut:
        dev = _device(ctx.session, data.device_code)
        if ctx.session.scalar(select(Camera.id).where(Camera.device_id == dev.id)) is not None:
            raise Conflict(f"device {dev.code} already has a camera")
        cam = Camera(
            device_id=dev.id,
            main_url=data.main_url,
            sub_url=data.sub_url,
            onvif_url=data.onvif_url,
            username=data.username,
            password_sealed=sealed,
            record=data.record,
            segment_seconds=data.segment_seconds,
            retention_days=data.retention_days,
            state="idle",
            last_error="",
            meta={},
        )
        ctx.session.add(cam)
        ctx.session.flush()
        detail = data.model_dump(exclude={"password"}) | {"password_set": sealed is not None}
        platform.audit.append(ctx, actor, "video.camera.create", f"camera:{dev.code}", detail)
        ctx.mark_changed(TOPIC)
        return CameraOut.of(cam, dev.code)

    return await platform.writer.run(job)


async def update_camera(
    platform: VideoPlatform, actor: str, camera_id: int, data: CameraUpdate
) -> CameraOut:
    """Change a camera's settings (only the fields given)."""
    fields = data.model_dump(exclude_unset=True, exclude={"password"})
    password = (
        data.password.get_secret_value()
        if "password" in data.model_fields_set and data.password is not None
        else None
    )
    clear = "password" in data.model_fields_set and (data.password is None or password == "")
    check_retention(platform, fields.get("retention_days"))

    def job(ctx: WriteContext) -> CameraOut:
        cam = ctx.session.get(Camera, camera_id)
        if cam is None:
            raise NotFound(f"no camera {camera_id}")
        dev = ctx.session.get(Device, cam.device_id)
        assert dev is not None
        for key in ("main_url", "segment_seconds", "retention_days", "record"):
            if key in fields and fields[key] is None:
                raise Invalid(f"{key}: may not be null")
        for key, value in fields.items():
            setattr(cam, key, value)
        if clear:
            cam.password_sealed = None
        elif password:
            cam.password_sealed = platform.secrets.seal(
                password.encode(), password_purpose(dev.code)
            )
        detail: dict[str, Any] = dict(fields)
        if clear or password:
            detail["password_changed"] = True
        platform.audit.append(ctx, actor, "video.camera.update", f"camera:{dev.code}", detail)
        ctx.mark_changed(TOPIC)
        return CameraOut.of(cam, dev.code)

    return await platform.writer.run(job)


def list_cameras(session: Session) -> list[CameraOut]:
    """Every camera, by id."""
    rows = session.execute(
        select(Camera, Device.code).join(Device, Device.id == Camera.device_id).order_by(Camera.id)
    )
    return [CameraOut.of(row[0], row[1]) for row in rows.all()]


def _camera(session: Session, camera_id: int) -> tuple[Camera, str]:
    row = session.execute(
        select(Camera, Device.code)
        .join(Device, Device.id == Camera.device_id)
        .where(Camera.id == camera_id)
    ).first()
    if row is None:
        raise NotFound(f"no camera {camera_id}")
    return row[0], row[1]


def get_camera(session: Session, camera_id: int) -> CameraOut:
    """One camera by id."""
    return CameraOut.of(*_camera(session, camera_id))


def camera_status(
    session: Session, camera_id: int, live: dict[str, Any] | None = None
) -> CameraStatus:
    """Recording state, last segment, today's segment count and the latest gaps."""
    cam, code = _camera(session, camera_id)
    last = session.scalar(
        select(Segment)
        .where(Segment.camera_id == camera_id)
        .order_by(Segment.start_at.desc())
        .limit(1)
    )
    midnight = datetime.combine(utcnow().date(), time(), tzinfo=utcnow().tzinfo)
    today = session.scalar(
        select(func.count()).where(Segment.camera_id == camera_id, Segment.start_at >= midnight)
    )
    gaps = session.scalars(
        select(Gap).where(Gap.camera_id == camera_id).order_by(Gap.start_at.desc()).limit(20)
    )
    return CameraStatus(
        camera_id=cam.id,
        device_code=code,
        record=cam.record,
        state=(live or {}).get("state", cam.state),
        last_error=(live or {}).get("error", cam.last_error),
        codec=cam.codec,
        loss_alarm=bool((live or {}).get("loss_alarm", False)),
        last_segment=SegmentOut.of(last) if last is not None else None,
        segments_today=int(today or 0),
        gaps=[GapOut.of(g) for g in gaps],
    )


def list_segments(
    session: Session, camera_id: int, start: datetime, end: datetime
) -> list[SegmentOut]:
    """The segments overlapping ``[start, end)``, oldest first (at most 10,000)."""
    _camera(session, camera_id)
    if end <= start:
        raise Invalid("end: must be after start")
    if end - start > timedelta(days=31):
        raise Invalid("end: at most 31 days after start")
    found = segments_between(session, camera_id, start, end)
    return [SegmentOut.of(s) for s in found[:MAX_SEGMENTS]]


def _hold_out(h: EvidenceHold) -> HoldOut:
    return HoldOut.model_validate(h, from_attributes=True)


async def create_hold(platform: VideoPlatform, actor: str, data: HoldCreate) -> HoldOut:
    """Keep recordings of a range past retention until the hold is released."""
    if data.end_at <= data.start_at:
        raise Invalid("end_at: must be after start_at")

    def job(ctx: WriteContext) -> HoldOut:
        if data.camera_id is not None and ctx.session.get(Camera, data.camera_id) is None:
            raise Invalid(f"camera_id: no camera {data.camera_id}")
        hold = EvidenceHold(
            camera_id=data.camera_id,
            start_at=data.start_at,
            end_at=data.end_at,
            alarm_id=data.alarm_id,
            reason=data.reason,
            created_by=actor,
            created_at=utcnow(),
        )
        ctx.session.add(hold)
        ctx.session.flush()
        platform.audit.append(
            ctx, actor, "video.hold.create", f"hold:{hold.id}", data.model_dump(mode="json")
        )
        return _hold_out(hold)

    return await platform.writer.run(job)


async def release_hold(platform: VideoPlatform, actor: str, hold_id: int) -> HoldOut:
    """Release a hold: its recordings fall under retention again."""

    def job(ctx: WriteContext) -> HoldOut:
        hold = ctx.session.get(EvidenceHold, hold_id)
        if hold is None:
            raise NotFound(f"no hold {hold_id}")
        if hold.released_at is None:
            hold.released_at, hold.released_by = utcnow(), actor
            platform.audit.append(ctx, actor, "video.hold.release", f"hold:{hold.id}", {})
        return _hold_out(hold)

    return await platform.writer.run(job)


def list_holds(session: Session, active: bool) -> list[HoldOut]:
    """Holds, newest first (only those not released when ``active``)."""
    stmt = select(EvidenceHold).order_by(EvidenceHold.id.desc())
    if active:
        stmt = stmt.where(EvidenceHold.released_at.is_(None))
    return [_hold_out(h) for h in session.scalars(stmt)]
