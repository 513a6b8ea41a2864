"""Core tables: site model, devices, events, alarms, users and the audit chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow

# --------------------------------------------------------------------------- site model


class Site(Base):
    """A residential community (小区)."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400), default="")
    area_m2: Mapped[float | None] = mapped_column(Float, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    map_width_m: Mapped[float] = mapped_column(Float, default=400.0)
    map_height_m: Mapped[float] = mapped_column(Float, default=300.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Building(Base):
    """An area or building (区域 / 楼栋) of a site."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="building")
    floors: Mapped[int] = mapped_column(Integer, default=0)
    map_x: Mapped[float | None] = mapped_column(Float, nullable=True)
    map_y: Mapped[float | None] = mapped_column(Float, nullable=True)


class Unit(Base):
    """A unit / stairwell (单元) of a building."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("building_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("buildings.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))


class Household(Base):
    """A household (住户): one dwelling on one floor of a unit."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("unit_id", "room"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    floor: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(32), default="")


class Resident(Base):
    """A person living in a household."""

    __tablename__ = "residents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="")
    role: Mapped[str] = mapped_column(String(16), default="owner")
    id_number_tail: Mapped[str] = mapped_column(String(8), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Zone(Base):
    """A detection zone: a perimeter fence section, a room, a car park."""

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="perimeter")
    length_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    geometry: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Device(Base):
    """A field device (camera, gate, detector, panel, reader…) and its supervision state."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    subsystem: Mapped[str] = mapped_column(String(32))
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="SET NULL"), nullable=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), nullable=True
    )
    zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL"), nullable=True, index=True
    )
    map_x: Mapped[float | None] = mapped_column(Float, nullable=True)
    map_y: Mapped[float | None] = mapped_column(Float, nullable=True)
    protocol: Mapped[str] = mapped_column(String(32), default="http-push")
    address: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(128), default="")
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    expected_interval_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --------------------------------------------------------------------------- events


class EventRow(Base):
    """One normalized event; append-only (no API edits or deletes it)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_kind_id", "kind", "id"),
        Index("ix_events_source_id", "source", "id"),
        # A time range otherwise scans the table (issue 17: one day 30 days back 108 ms).
        Index("ix_events_occurred_at", "occurred_at"),
    )
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    site_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    zone_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(64))
    severity: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    media: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cause: Mapped[list[Any]] = mapped_column(JSON, default=list)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)


# --------------------------------------------------------------------------- alarms


class AlarmDefinition(Base):
    """Which events raise an alarm, with what priority, procedure and schedule."""

    __tablename__ = "alarm_definitions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kinds: Mapped[list[Any]] = mapped_column(JSON)
    device_codes: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    zone_ids: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    procedure: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    ack_timeout_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A definition seeded from anfang's defaults: which one (stable across versions), and
    # the digest of its content as seeded ("" once edited by an operator, or unknown).
    default_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    default_digest: Mapped[str] = mapped_column(String(64), default="")


class Alarm(Base):
    """An alarm instance, latched until a person resolves it."""

    __tablename__ = "alarms"
    # The queue and the history page by (state, id) and by time; the old index on state
    # alone made SQLite read and sort every resolved alarm (issue 17: 115 ms → 0.2 ms).
    __table_args__ = (
        Index("ix_alarms_state_id", "state", "id"),
        Index("ix_alarms_created_at", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("alarm_definitions.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    zone_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    priority: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    first_event_id: Mapped[str] = mapped_column(String(26))
    last_event_at: Mapped[datetime] = mapped_column()
    event_count: Mapped[int] = mapped_column(Integer, default=1)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    # Handling: who has it (claimed or assigned), who was sent, and how it ended.
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True)
    dispatched_to: Mapped[str] = mapped_column(String(200), default="", server_default="")
    acked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(16), nullable=True)
    cause: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AlarmEvent(Base):
    """An event attached to an alarm (the first and every repeat)."""

    __tablename__ = "alarm_events"
    alarm_id: Mapped[str] = mapped_column(ForeignKey("alarms.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(26), primary_key=True)


class AlarmTransition(Base):
    """One step of an alarm's workflow: who, when, from, to and a note."""

    __tablename__ = "alarm_transitions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alarm_id: Mapped[str] = mapped_column(ForeignKey("alarms.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column()
    # What happened, for the console to say in the operator's language ("raised",
    # "escalated", "implied_ack", "claim", "assign", "note", …) with its details.
    code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


# --------------------------------------------------------------------------- users


class User(Base):
    """A person who logs in to anfang."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set for a password someone else chose (the first admin's, a reset): the console asks
    # for a new one before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ServiceAccount(Base):
    """An integration's account: an API key (only its SHA-256 stored) with a role, an
    optional narrower set of permissions, an expiry; revoked, never deleted."""

    __tablename__ = "service_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    scopes: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    # After a rotation with a grace period the previous key still works until then.
    previous_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    previous_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    rotated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


# --------------------------------------------------------------------------- audit


class AuditEntry(Base):
    """One link of the audit hash chain."""

    __tablename__ = "audit_entries"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed statement that the chain up to ``seq`` ended in ``hash``."""

    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


# Registers the listener that keeps integer ids from being reused on SQLite.
from anfang.store.ids import IdHighWater  # noqa: E402, F401
