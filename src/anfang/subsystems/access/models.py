"""Access-control tables: doors, readers, holders, credentials, groups, schedules, holidays,
rules, anti-passback state and the command queue of HTTP terminals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow

DOOR_KINDS = ("door", "gate", "turnstile", "barrier")
DIRECTIONS = ("entry", "exit")
PASSBACK_MODES = ("off", "soft", "hard")
HOLDER_KINDS = ("resident", "staff", "visitor")
CREDENTIAL_KINDS = ("card", "pin", "face")
STATES = ("active", "suspended", "lost", "revoked")


class AccessDoor(Base):
    """A door, gate, pedestrian turnstile or vehicle barrier: what one grant unlocks."""

    __tablename__ = "access_doors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="door")
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), nullable=True, index=True
    )
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), nullable=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), nullable=True
    )
    anti_passback: Mapped[str] = mapped_column(String(8), default="off")
    passback_area: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unlock_s: Mapped[int] = mapped_column(Integer, default=5)
    held_open_s: Mapped[int] = mapped_column(Integer, default=30)
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    state_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Restored at start (docs/access.md "Door states"): when the open began, and the
    # alarm ("forced" / "held") already raised for it, so a restart neither forgets a
    # held-open door nor raises the same alarm twice.
    open_since: Mapped[datetime | None] = mapped_column(nullable=True)
    alarm: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Anti-passback timed reset: after this many hours, and/or daily at "HH:MM" site time.
    passback_reset_h: Mapped[int | None] = mapped_column(Integer, nullable=True)
    passback_reset_at: Mapped[str | None] = mapped_column(String(5), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessReader(Base):
    """A reader on one side of a door; found by (terminal device, address)."""

    __tablename__ = "access_readers"
    __table_args__ = (UniqueConstraint("device_id", "address"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    door_id: Mapped[int] = mapped_column(
        ForeignKey("access_doors.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(32), default="1")
    direction: Mapped[str] = mapped_column(String(8), default="entry")
    name: Mapped[str] = mapped_column(String(200), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # OSDP secure-channel base key (16 bytes), sealed with platform.secrets for
    # :func:`scbk_purpose`; None: the PD runs in install mode (no secure channel).
    scbk_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    @property
    def secure(self) -> bool:
        """Whether an OSDP secure-channel key is set (the key itself is never shown)."""
        return self.scbk_sealed is not None


def scbk_purpose(device_id: int, address: str) -> str:
    """The sealing purpose of a reader's SCBK: bound to its bus and PD address."""
    return f"access_osdp_scbk:{device_id}:{address}"


class AccessHolder(Base):
    """A person who may pass: a resident of the site model, staff, or a visitor."""

    __tablename__ = "access_holders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="staff")
    name: Mapped[str] = mapped_column(String(100))
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    phone: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(16), default="active")
    valid_from: Mapped[datetime | None] = mapped_column(nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessCredential(Base):
    """A card number, a peppered PIN digest or a face person id, bound to one holder."""

    __tablename__ = "access_credentials"
    __table_args__ = (UniqueConstraint("kind", "value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("access_holders.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(128))
    label: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default="active")
    valid_from: Mapped[datetime | None] = mapped_column(nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessGroup(Base):
    """A set of holders given the same doors and times."""

    __tablename__ = "access_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class AccessGroupMember(Base):
    """A holder in a group."""

    __tablename__ = "access_group_members"
    group_id: Mapped[int] = mapped_column(
        ForeignKey("access_groups.id", ondelete="CASCADE"), primary_key=True
    )
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("access_holders.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AccessSchedule(Base):
    """Weekly windows in the site's time zone; ``holiday_windows`` replace them on holidays.

    A window is ``{"days": [0..6] (Monday = 0), "start": "HH:MM", "end": "HH:MM"}``.
    """

    __tablename__ = "access_schedules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    windows: Mapped[list[Any]] = mapped_column(JSON, default=list)
    holiday_windows: Mapped[list[Any]] = mapped_column(JSON, default=list)


class AccessHoliday(Base):
    """A holiday date (``YYYY-MM-DD`` in the site's time zone)."""

    __tablename__ = "access_holidays"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")


class AccessRule(Base):
    """Group × door × schedule (no schedule: at any time)."""

    __tablename__ = "access_rules"
    __table_args__ = (UniqueConstraint("group_id", "door_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("access_groups.id", ondelete="CASCADE"))
    door_id: Mapped[int] = mapped_column(
        ForeignKey("access_doors.id", ondelete="CASCADE"), index=True
    )
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_schedules.id", ondelete="RESTRICT"), nullable=True
    )


class AccessPassback(Base):
    """The last direction a holder passed in an anti-passback area."""

    __tablename__ = "access_passback"
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("access_holders.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column()


class AccessCommand(Base):
    """A command waiting for an HTTP terminal to fetch it (remote open)."""

    __tablename__ = "access_commands"
    __table_args__ = (Index("ix_access_commands_pending", "device_id", "delivered_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    door_id: Mapped[int] = mapped_column(ForeignKey("access_doors.id", ondelete="CASCADE"))
    command: Mapped[str] = mapped_column(String(16), default="open")
    reader: Mapped[str] = mapped_column(String(32), default="1")
    event_id: Mapped[str] = mapped_column(String(26))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AccessCapture(Base):
    """A sealed face capture of a decision (``data_dir/access/captures/<name>.bin``).

    ``hold_event_id`` is the watch-list hit the capture belongs to: while an open alarm
    holds that event (or the decision event), retention keeps the capture.
    """

    __tablename__ = "access_captures"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(26), index=True)
    hold_event_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
