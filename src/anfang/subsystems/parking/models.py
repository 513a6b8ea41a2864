"""Car-park tables: lots, lanes (an LPR camera at an entry or exit, and the barrier it
opens), vehicles on the white and black lists, visitor invitations, and parking sessions
(an entry matched with its exit). The API's schemas are in :mod:`.schemas`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow


class ParkingLot(Base):
    """A car park (地库, 地面停车场) with its capacity; ``overstay_h``: a vehicle inside
    longer is listed (visitors' limit; residents are not listed)."""

    __tablename__ = "parking_lots"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    overstay_h: Mapped[int] = mapped_column(Integer, default=24)


class ParkingLane(Base):
    """An LPR camera (a ``devices`` row by code) reading plates at a lot's entry or exit,
    and the access door of kind ``barrier`` it opens for a granted vehicle."""

    __tablename__ = "parking_lanes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_code: Mapped[str] = mapped_column(String(64), unique=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("parking_lots.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))  # "in" or "out"
    barrier: Mapped[str | None] = mapped_column(String(64), nullable=True)
    open_visitors: Mapped[bool] = mapped_column(Boolean, default=True)
    open_unknown: Mapped[bool] = mapped_column(Boolean, default=False)


class ParkingVehicle(Base):
    """A plate on the white list (a household's car, valid between dates) or the black
    list (reason required); a plate is on one list at a time."""

    __tablename__ = "parking_vehicles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    colour: Mapped[str | None] = mapped_column(String(16), nullable=True)
    list: Mapped[str] = mapped_column(String(8))  # "white" or "black"
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), nullable=True, index=True
    )
    owner: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    valid_from: Mapped[datetime | None] = mapped_column(nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ParkingInvite(Base):
    """A visitor vehicle let in on a resident's invitation (or the desk's) for a time."""

    __tablename__ = "parking_invites"
    __table_args__ = (Index("ix_parking_invites_plate", "plate", "valid_until"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(16))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), nullable=True
    )
    visitor: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ParkingSession(Base):
    """A vehicle's stay in a lot: its entry, and its exit once matched (exactly, or by an
    operator confirming a one-character misread). An exit no entry matches is kept as a
    session with no entry (``state`` ``unmatched``) and its near plates for the operator."""

    __tablename__ = "parking_sessions"
    __table_args__ = (Index("ix_parking_sessions_inside", "lot_id", "state", "plate"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("parking_lots.id", ondelete="CASCADE"))
    plate: Mapped[str] = mapped_column(String(16))
    vehicle_class: Mapped[str] = mapped_column(String(12))  # resident, visitor, unknown, black
    state: Mapped[str] = mapped_column(String(12), index=True)  # inside, left, unmatched
    entry_event: Mapped[str | None] = mapped_column(String(26), nullable=True)
    entered_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    exit_event: Mapped[str | None] = mapped_column(String(26), nullable=True)
    exited_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    exit_plate: Mapped[str | None] = mapped_column(String(16), nullable=True)
    match: Mapped[str] = mapped_column(String(12), default="")  # exact, confirmed
    near: Mapped[list[str]] = mapped_column(JSON, default=list)
