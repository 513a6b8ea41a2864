"""Uplink tables: the upper platforms anfang reports to, the national IDs of the devices it
shares, and the outbox that holds what an unreachable upper has not received yet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base


class UpperPlatform(Base):
    """A police (or district) platform: GB/T 28181 signalling or a GA/T 1400 view library.

    ``local_id`` is anfang's own 20-digit ID towards it (the SIP user and the GA/T 1400
    ``User-Identify``); the password is sealed (write-only through the API). ``share``
    lists the device types sent up; ``policy`` says which face and vehicle records go up
    (all, watch-list hits only, none).
    """

    __tablename__ = "uplink_platforms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    protocol: Mapped[str] = mapped_column(String(16))  # gb28181 | ga1400
    enabled: Mapped[bool] = mapped_column(default=True)
    server_id: Mapped[str] = mapped_column(String(20))
    realm: Mapped[str] = mapped_column(String(32), default="")
    host: Mapped[str] = mapped_column(String(200))
    port: Mapped[int] = mapped_column(Integer)
    transport: Mapped[str] = mapped_column(String(8), default="udp")  # udp | tcp | http(s)
    local_id: Mapped[str] = mapped_column(String(20))
    local_port: Mapped[int] = mapped_column(Integer, default=0)  # 0: any free
    password_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    charset: Mapped[str] = mapped_column(String(16), default="GB2312")
    version: Mapped[str] = mapped_column(String(8), default="2016")
    expires_s: Mapped[int] = mapped_column(Integer, default=3600)
    keepalive_s: Mapped[int] = mapped_column(Integer, default=60)
    share: Mapped[list[Any]] = mapped_column(JSON, default=list)
    policy: Mapped[str] = mapped_column(String(16), default="all")
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    last_success_at: Mapped[datetime | None] = mapped_column(nullable=True)


class NationalId(Base):
    """The 20-digit GB/T 28181 ID of a device anfang shares (one per device, unique)."""

    __tablename__ = "uplink_national_ids"
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    national_id: Mapped[str] = mapped_column(String(20), unique=True)
    assigned_at: Mapped[datetime] = mapped_column()
    assigned_by: Mapped[str] = mapped_column(String(64), default="system")


class OutboxItem(Base):
    """One alarm or record owed to an upper platform, kept until it is accepted.

    ``attachment`` is the queue's own copy of an image, so that retention deleting the
    capture before the upper comes back does not lose it. ``state``: queued, sent,
    dropped (with ``last_error`` saying why).
    """

    __tablename__ = "uplink_outbox"
    __table_args__ = (Index("ix_uplink_outbox_platform_state_id", "platform_id", "state", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("uplink_platforms.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # alarm | face | vehicle
    ref: Mapped[str] = mapped_column(String(64))  # the alarm or event it comes from
    created_at: Mapped[datetime] = mapped_column()
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    state: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)


class FederationItem(Base):
    """One message owed to the district node (an event, an alarm change, a device state),
    written in the same transaction as what it reports; deleted once JetStream has it.
    The id gives the order and the message's de-duplication key."""

    __tablename__ = "uplink_federation_outbox"
    # Ids are never reused (SQLite reuses rowids once a table is emptied): an id is the
    # message's de-duplication key at the district, and a reused one would be dropped.
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(16))  # events | alarms | devices
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column()


class ViidSubscription(Base):
    """A GA/T 1400 subscription an upper view library made (it subscribes, anfang notifies):
    what it wants (``detail``: 12 faces, 13 vehicles), where to send it, until when."""

    __tablename__ = "uplink_viid_subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("uplink_platforms.id", ondelete="CASCADE"), index=True
    )
    subscribe_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(64))
    receive_addr: Mapped[str] = mapped_column(String(500))
    begin_at: Mapped[datetime | None] = mapped_column(nullable=True)
    end_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column()
