"""API schemas of cameras, recording status, segments, gaps and evidence holds.

Passwords go in (write-only) and never come out: ``CameraOut`` says only whether one is set.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, field_validator

from anfang.api.types import DbId
from anfang.subsystems.video.adapters.rtsp import check_url
from anfang.subsystems.video.models import Camera, Gap, Segment


def _url(value: str | None) -> str | None:
    return None if value is None else check_url(value)


class CameraCreate(BaseModel):
    """A camera to record: its site-model device (type camera) and streams."""

    model_config = ConfigDict(extra="forbid")

    device_code: str = Field(min_length=1, max_length=64)
    main_url: str = Field(max_length=500, description="rtsp:// URL of the main stream")
    sub_url: str | None = Field(default=None, max_length=500)
    onvif_url: str | None = Field(default=None, max_length=500)
    username: str | None = Field(default=None, max_length=100)
    password: SecretStr | None = Field(default=None, max_length=200)
    record: bool = True
    segment_seconds: int = Field(default=60, ge=2, le=600)
    retention_days: int = Field(default=30, ge=1, le=3650)

    _check_main = field_validator("main_url")(check_url)
    _check_sub = field_validator("sub_url")(_url)


class CameraUpdate(BaseModel):
    """Changes to a camera; a field left out stays. ``password: ""`` removes the password."""

    model_config = ConfigDict(extra="forbid")

    main_url: str | None = Field(default=None, max_length=500)
    sub_url: str | None = Field(default=None, max_length=500)
    onvif_url: str | None = Field(default=None, max_length=500)
    username: str | None = Field(default=None, max_length=100)
    password: SecretStr | None = Field(default=None, max_length=200)
    record: bool | None = None
    segment_seconds: int | None = Field(default=None, ge=2, le=600)
    retention_days: int | None = Field(default=None, ge=1, le=3650)

    _check_main = field_validator("main_url")(_url)
    _check_sub = field_validator("sub_url")(_url)


class CameraOut(BaseModel):
    """A camera as the API shows it (no password)."""

    id: int
    device_id: DbId
    device_code: str
    main_url: str
    sub_url: str | None
    onvif_url: str | None
    username: str | None
    has_password: bool
    record: bool
    segment_seconds: int
    retention_days: int
    state: str
    last_error: str
    codec: str | None

    @classmethod
    def of(cls, cam: Camera, code: str) -> CameraOut:
        """From a row and its device code."""
        return cls(
            id=cam.id,
            device_id=cam.device_id,
            device_code=code,
            main_url=cam.main_url,
            sub_url=cam.sub_url,
            onvif_url=cam.onvif_url,
            username=cam.username,
            has_password=cam.password_sealed is not None,
            record=cam.record,
            segment_seconds=cam.segment_seconds,
            retention_days=cam.retention_days,
            state=cam.state,
            last_error=cam.last_error,
            codec=cam.codec,
        )


class SegmentOut(BaseModel):
    """One recorded segment (its path is relative to the storage root)."""

    id: int
    start_at: datetime
    end_at: datetime
    bytes: int
    path: str
    codec: str

    @classmethod
    def of(cls, s: Segment) -> SegmentOut:
        """From a row."""
        return cls(
            id=s.id, start_at=s.start_at, end_at=s.end_at, bytes=s.bytes, path=s.path, codec=s.codec
        )


class GapOut(BaseModel):
    """A time the camera did not record (``end_at`` null: still going on)."""

    start_at: datetime
    end_at: datetime | None
    reason: str

    @classmethod
    def of(cls, g: Gap) -> GapOut:
        """From a row."""
        return cls(start_at=g.start_at, end_at=g.end_at, reason=g.reason)


class CameraStatus(BaseModel):
    """A camera's recording now: state, last segment, open and recent gaps."""

    camera_id: DbId
    device_code: str
    record: bool
    state: str
    last_error: str
    codec: str | None
    loss_alarm: bool
    last_segment: SegmentOut | None
    segments_today: int
    gaps: list[GapOut]


class HoldCreate(BaseModel):
    """Keep a camera's (or, without camera, every camera's) recordings of a time range."""

    model_config = ConfigDict(extra="forbid")

    camera_id: DbId | None = None
    start_at: AwareDatetime
    end_at: AwareDatetime
    alarm_id: str | None = Field(default=None, max_length=26)
    reason: str = Field(min_length=1, max_length=2000)


class HoldOut(BaseModel):
    """An evidence hold."""

    id: int
    camera_id: DbId | None
    start_at: datetime
    end_at: datetime
    alarm_id: str | None
    reason: str
    created_by: str
    created_at: datetime
    released_at: datetime | None
    released_by: str | None
