"""Guard-tour tables: checkpoints (tags), guards, routes, schedules, holidays, rounds and
check-ins. The API's schemas are in :mod:`.schemas`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow


class PatrolCheckpoint(Base):
    """A place a guard must visit, known by the tag fixed there (RFID/NFC UID, QR text or
    BLE beacon id, stored normalised); a tag is one checkpoint's only."""

    __tablename__ = "patrol_checkpoints"
    __table_args__ = (UniqueConstraint("site_id", "code"), UniqueConstraint("tag_kind", "tag"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    tag_kind: Mapped[str] = mapped_column(String(8))
    tag: Mapped[str] = mapped_column(String(128))
    map_x: Mapped[float | None] = mapped_column(Float, nullable=True)
    map_y: Mapped[float | None] = mapped_column(Float, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class PatrolGuard(Base):
    """A guard: a person on the security staff, optionally a console user (``username``);
    ``badge`` is the tag a reader is logged in with, if readers identify guards."""

    __tablename__ = "patrol_guards"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="")
    badge: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class PatrolRoute(Base):
    """An ordered walk: ``points`` is ``[{"checkpoint_id", "after_min"}]``, ``after_min``
    the minutes expected since the previous point (since the start for the first)."""

    __tablename__ = "patrol_routes"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    points: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tolerance_min: Mapped[float] = mapped_column(Float, default=5.0)
    grace_min: Mapped[float] = mapped_column(Float, default=0.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatrolSchedule(Base):
    """When a route is walked (see :mod:`.plans`) and by whom (``guard_id``, optional);
    rounds whose start window closed before ``updated_at`` are never planned."""

    __tablename__ = "patrol_schedules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    route_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_routes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    guard_id: Mapped[int | None] = mapped_column(
        ForeignKey("patrol_guards.id", ondelete="SET NULL"), nullable=True
    )
    days: Mapped[list[int]] = mapped_column(JSON, default=list)
    times: Mapped[list[str]] = mapped_column(JSON, default=list)
    every_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_time: Mapped[str] = mapped_column(String(5), default="00:00")
    until_time: Mapped[str] = mapped_column(String(5), default="23:59")
    start_window_min: Mapped[float] = mapped_column(Float, default=15.0)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    on_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # No round is planned that was over before the schedule (or its last edit) existed.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatrolHoliday(Base):
    """A day schedules with ``on_holidays`` false skip."""

    __tablename__ = "patrol_holidays"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")


class PatrolRound(Base):
    """One walk of a route from a planned start, with the plan copied when it was made (an
    edit of the route reaches rounds not yet started, never one under way) and its state
    as last evaluated."""

    __tablename__ = "patrol_rounds"
    __table_args__ = (
        UniqueConstraint("schedule_id", "planned_start"),
        Index("ix_patrol_rounds_span", "planned_start", "deadline"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    route_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_routes.id", ondelete="CASCADE"), index=True
    )
    schedule_id: Mapped[int] = mapped_column(ForeignKey("patrol_schedules.id", ondelete="CASCADE"))
    guard_id: Mapped[int | None] = mapped_column(
        ForeignKey("patrol_guards.id", ondelete="SET NULL"), nullable=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)  # local date of the planned start
    planned_start: Mapped[datetime]
    deadline: Mapped[datetime]
    route_version: Mapped[int] = mapped_column(Integer, default=1)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    guard_seen: Mapped[str | None] = mapped_column(String(64), nullable=True)
    points_total: Mapped[int] = mapped_column(Integer, default=0)
    points_on_time: Mapped[int] = mapped_column(Integer, default=0)
    points_late: Mapped[int] = mapped_column(Integer, default=0)
    points_missed: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[list[Any]] = mapped_column(JSON, default=list)
    alerts: Mapped[list[str]] = mapped_column(JSON, default=list)
    dirty: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatrolCheckin(Base):
    """Every check-in a reader or phone sent, with its verdict: ``ok`` (counted), or why
    not (``unknown_tag``, ``malformed``, ``future``, ``too_old``, ``disabled``)."""

    __tablename__ = "patrol_checkins"
    __table_args__ = (Index("ix_patrol_checkins_cp_at", "checkpoint_id", "occurred_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(26), unique=True)
    device: Mapped[str] = mapped_column(String(64))
    tag_kind: Mapped[str] = mapped_column(String(8), default="")
    tag: Mapped[str] = mapped_column(String(128), default="")
    guard: Mapped[str | None] = mapped_column(String(64), nullable=True)
    checkpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("patrol_checkpoints.id", ondelete="SET NULL"), nullable=True
    )
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime]
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
