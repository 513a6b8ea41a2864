"""Home-alarm tables and API schemas: the SIA DC-09 accounts the receiver accepts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow
from anfang.subsystems.home_alarm.adapters.sia_dc09 import key_from_hex

AccountKind = Literal["home", "perimeter"]
ACCOUNT_PATTERN = r"^[0-9A-Fa-f]{3,16}$"


class AlarmAccount(Base):
    """One panel account (SIA ``#acct``): its AES key, kind, place and supervision.

    ``key_hex`` is kept as plain hex for now (not encrypted at rest).
    """

    __tablename__ = "alarm_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="home")
    key_hex: Mapped[str | None] = mapped_column(String(64), nullable=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), nullable=True
    )
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), nullable=True
    )
    device_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    supervision_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountCreate(BaseModel):
    """A new account; ``key`` is the AES-128/192/256 key in hex, absent for plain panels."""

    model_config = ConfigDict(extra="forbid")

    account: str = Field(pattern=ACCOUNT_PATTERN, description="3-16 hex digits")
    kind: AccountKind = "home"
    key: str | None = Field(default=None, description="32, 48 or 64 hex digits; never returned")
    household_id: int | None = None
    site_id: int | None = None
    device_code: str | None = Field(default=None, min_length=1, max_length=64)
    supervision_s: int | None = Field(default=None, ge=10, le=7 * 86400)
    enabled: bool = True

    @field_validator("account")
    @classmethod
    def _upper_account(cls, value: str) -> str:
        return value.upper()

    @field_validator("key")
    @classmethod
    def _check_key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            key_from_hex(value)
        except ValueError:
            raise ValueError("key must be 32, 48 or 64 hex digits") from None
        return value.strip().upper()


class AccountOut(BaseModel):
    """An account as the API shows it: whether it has a key, never the key."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account: str
    kind: str
    has_key: bool
    household_id: int | None
    site_id: int | None
    device_code: str | None
    supervision_s: int | None
    enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, row: AlarmAccount) -> AccountOut:
        """The public view of ``row``."""
        return cls(
            id=row.id,
            account=row.account,
            kind=row.kind,
            has_key=row.key_hex is not None,
            household_id=row.household_id,
            site_id=row.site_id,
            device_code=row.device_code,
            supervision_s=row.supervision_s,
            enabled=row.enabled,
            created_at=row.created_at,
        )
