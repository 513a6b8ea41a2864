"""Visitor-pass tables and API schemas: passes, their uses, and resident log-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from anfang.api.types import DbId
from anfang.store.base import Base, utcnow


class VisitorPass(Base):
    """A visitor pass a household issued: where, when and how often it opens.

    The visitor's phone is sealed with the platform's secret box (purpose
    ``visitor_pass:<id>:phone``); the name is kept for the operator's log.
    """

    __tablename__ = "visitor_passes"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(64))
    visitor_name: Mapped[str] = mapped_column(String(100))
    name_hash: Mapped[str] = mapped_column(String(16))
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    doors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    valid_from: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime] = mapped_column()
    uses_allowed: Mapped[int] = mapped_column(Integer)
    uses_used: Mapped[int] = mapped_column(Integer, default=0)
    key_id: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class VisitorPassUse(Base):
    """One presentation of a known pass at a door, granted or not (and why not)."""

    __tablename__ = "visitor_pass_uses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pass_id: Mapped[str] = mapped_column(
        ForeignKey("visitor_passes.id", ondelete="CASCADE"), index=True
    )
    door: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()
    granted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32))


class ResidentUser(Base):
    """Binds a user of role ``resident`` to the household it may issue passes for."""

    __tablename__ = "resident_users"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- schemas


class PassCreate(BaseModel):
    """A pass to issue; a resident's household is its own, staff name one."""

    model_config = ConfigDict(extra="forbid")

    household_id: DbId | None = Field(default=None, description="staff only; residents: own")
    visitor_name: str = Field(min_length=1, max_length=100)
    visitor_phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\- ]{3,32}$")
    doors: list[str] = Field(min_length=1, max_length=8, description="door device codes")
    valid_from: datetime | None = Field(default=None, description="default: now")
    valid_until: datetime
    uses: int = Field(default=1, ge=1, le=100)


class PassOut(BaseModel):
    """A pass as the API shows it (the phone only to staff)."""

    id: str
    site_id: DbId
    household_id: DbId
    issuer: str
    visitor_name: str
    visitor_phone: str | None = None
    doors: list[str]
    valid_from: datetime
    valid_until: datetime
    uses_allowed: int
    uses_used: int
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    status: str


class PassIssued(PassOut):
    """A newly issued pass with its QR text (what the QR code holds)."""

    qr_text: str


class PassUseOut(BaseModel):
    """One presentation of a pass."""

    door: str
    at: datetime
    granted: bool
    reason: str


class ResidentLink(BaseModel):
    """Which household a resident user issues passes for."""

    model_config = ConfigDict(extra="forbid")

    household_id: DbId


class VerificationKey(BaseModel):
    """The public key gates use to check passes offline."""

    algorithm: str = "Ed25519"
    key_id: str = Field(description="hex of the 4-byte key id inside every pass")
    public_key: str = Field(description="raw 32-byte public key, base64url without padding")
    public_key_pem: str
    format: str = "AF1"
    max_clock_skew_s: int
