"""Intercom tables and API schemas: the call log, with the visitor's snapshot."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base

# ringing → answered → unlocked | denied → ended; no answer in time → missed.
CALL_STATES = ("ringing", "answered", "unlocked", "denied", "ended", "missed", "failed")


class IntercomCall(Base):
    """One call from a door station to a household and how it ended.

    ``snapshot_path`` is relative to the data directory (the JPEG the door station sent).
    """

    __tablename__ = "intercom_calls"
    __table_args__ = (Index("ix_intercom_calls_started", "started_at"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    sip_call_id: Mapped[str] = mapped_column(String(200), index=True)
    door_station: Mapped[str] = mapped_column(String(64))
    dialed: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), nullable=True, index=True
    )
    monitor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    end_reason: Mapped[str] = mapped_column(String(32), default="")
    started_at: Mapped[datetime] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    unlocked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    unlocked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    snapshot_path: Mapped[str | None] = mapped_column(String(300), nullable=True)
    snapshot_bytes: Mapped[int] = mapped_column(Integer, default=0)


class CallOut(BaseModel):
    """A call of the log."""

    id: str
    door_station: str
    dialed: str
    household_id: int | None
    monitor: str | None
    state: str
    end_reason: str
    started_at: datetime
    answered_at: datetime | None
    unlocked_at: datetime | None
    unlocked_by: str | None
    ended_at: datetime | None
    has_snapshot: bool


class UnlockRequest(BaseModel):
    """An operator's remote unlock of a door station; the reason goes to the audit log."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=200)
    call_id: str | None = Field(default=None, max_length=26, description="the call it answers")


class RegistrationOut(BaseModel):
    """A registered intercom device."""

    code: str
    kind: str
    host: str
    port: int
    expires_in_s: int


class IntercomStatus(BaseModel):
    """Whether the SIP service listens, and where (devices and simulators need the port)."""

    listening: bool
    sip_host: str
    sip_port: int | None = Field(description="the bound UDP port; None while not listening")
    domain: str
    ring_timeout_s: float
    registered: int
