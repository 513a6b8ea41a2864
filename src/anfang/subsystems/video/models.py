"""Video tables: cameras, recorded segments and gaps, evidence holds, exports, alarm media.

Paths are relative to the recording storage root, never absolute (ARCHITECTURE.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow


class Camera(Base):
    """A camera's video settings; the camera itself is a site-model device (type camera).

    The password is sealed with the platform's SecretBox (purpose ``camera:<device code>``).
    """

    __tablename__ = "video_cameras"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), unique=True
    )
    main_url: Mapped[str] = mapped_column(String(500))
    sub_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    username: Mapped[str | None] = mapped_column(String(100), nullable=True)
    password_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    onvif_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    record: Mapped[bool] = mapped_column(Boolean, default=True)
    segment_seconds: Mapped[int] = mapped_column(Integer, default=60)
    retention_days: Mapped[int] = mapped_column(Integer, default=30)
    analyse: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(16), default="idle")
    last_error: Mapped[str] = mapped_column(Text, default="")
    codec: Mapped[str | None] = mapped_column(String(32), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Segment(Base):
    """One recorded file of a camera's main stream (remuxed, not re-encoded)."""

    __tablename__ = "video_segments"
    __table_args__ = (
        Index("ix_video_segments_camera_start", "camera_id", "start_at"),
        Index("ix_video_segments_start", "start_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("video_cameras.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    path: Mapped[str] = mapped_column(String(400))
    codec: Mapped[str] = mapped_column(String(32), default="h264")


class Gap(Base):
    """A time a camera was expected to record and did not (stream lost, error, disk full)."""

    __tablename__ = "video_gaps"
    __table_args__ = (Index("ix_video_gaps_camera_start", "camera_id", "start_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("video_cameras.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class EvidenceHold(Base):
    """Recordings kept past retention: a time range of a camera (or all cameras if none),
    held for an alarm or by a person until released."""

    __tablename__ = "video_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_cameras.id", ondelete="CASCADE"), nullable=True, index=True
    )
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    alarm_id: Mapped[str | None] = mapped_column(String(26), nullable=True, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Export(Base):
    """A time range of a camera exported to one MP4, with its SHA-256, who and why."""

    __tablename__ = "video_exports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("video_cameras.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    path: Mapped[str] = mapped_column(String(400), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    error: Mapped[str] = mapped_column(Text, default="")
    # Who asked for it (the requesting unit and person) and, for publication, masked.
    unit: Mapped[str] = mapped_column(String(200), default="", server_default="")
    requester: Mapped[str] = mapped_column(String(100), default="", server_default="")
    publication: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    approved_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AlarmMedia(Base):
    """A snapshot or clip attached to an alarm by a linkage action."""

    __tablename__ = "alarm_media"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alarm_id: Mapped[str] = mapped_column(String(26), index=True)
    event_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    camera_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_cameras.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # snapshot | clip
    path: Mapped[str] = mapped_column(String(400))
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    start_at: Mapped[datetime | None] = mapped_column(nullable=True)
    end_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
