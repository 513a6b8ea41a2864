"""Home-alarm tables and API schemas: SIA DC-09 accounts, their partitions and zones."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow
from anfang.subsystems.home_alarm.adapters.sia_dc09 import key_from_hex

AccountKind = Literal["home", "perimeter"]
ACCOUNT_PATTERN = r"^[0-9A-Fa-f]{3,16}$"


def valid_key(value: str | None) -> str | None:
    """An AES key in hex, normalised; ValueError unless 32, 48 or 64 hex digits."""
    if value is None:
        return None
    try:
        key_from_hex(value)
    except ValueError:
        raise ValueError("key must be 32, 48 or 64 hex digits") from None
    return value.strip().upper()


class AlarmAccount(Base):
    """One panel account (SIA ``#acct``): its AES key, kind, place and supervision.

    The AES key is stored sealed (``platform.secrets``, purpose ``alarm_account:<account>``).
    ``legacy_key_hex`` (column ``key_hex``) only holds plain keys written before migration
    0003: the service seals them at start-up and clears the column (docs/sia-dc09.md).
    """

    __tablename__ = "alarm_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="home")
    legacy_key_hex: Mapped[str | None] = mapped_column("key_hex", String(64), nullable=True)
    key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
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
    # Supervision: when the account last reported (saved now and then, not per frame) and
    # whether a communication failure is open ("ok" | "failed").
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    comm_state: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")

    @property
    def has_key(self) -> bool:
        """Whether the account has an AES key (sealed, or legacy plain not yet sealed)."""
        return self.key_sealed is not None or self.legacy_key_hex is not None


class AlarmPartition(Base):
    """A partition (area) of a panel: SIA ``ri`` / Contact ID group, and its arm state.

    ``state`` is "armed", "disarmed" or "unknown" (treated as armed: a burglary from an
    unknown partition raises an alarm). Panels set it with opening/closing reports;
    operators may record it where ``operator_settable`` (DC-09 cannot push it to a panel).
    """

    __tablename__ = "alarm_partitions"
    __table_args__ = (UniqueConstraint("account_id", "partition"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("alarm_accounts.id", ondelete="CASCADE"), index=True
    )
    partition: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    changed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    changed_by: Mapped[str] = mapped_column(String(64), default="")
    operator_settable: Mapped[bool] = mapped_column(Boolean, default=False)


class AlarmZone(Base):
    """A panel zone: its type (panic and 24-hour zones cannot be disarmed), partition, and
    where it is: a room of the household, or a perimeter zone of the site model."""

    __tablename__ = "alarm_zones"
    __table_args__ = (UniqueConstraint("account_id", "zone"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("alarm_accounts.id", ondelete="CASCADE"), index=True
    )
    zone: Mapped[str] = mapped_column(String(8))
    partition: Mapped[str | None] = mapped_column(String(8), nullable=True)
    zone_type: Mapped[str] = mapped_column(String(16), default="burglary")
    name: Mapped[str] = mapped_column(String(100), default="")
    room: Mapped[str] = mapped_column(String(64), default="")
    site_zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL"), nullable=True
    )


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
        return valid_key(value)


class AccountUpdate(BaseModel):
    """Fields to change; ``key`` replaces the key (sealed again), ``"key": null`` removes it."""

    model_config = ConfigDict(extra="forbid")

    kind: AccountKind | None = None
    key: str | None = Field(default=None, description="32, 48 or 64 hex digits; never returned")
    household_id: int | None = None
    site_id: int | None = None
    device_code: str | None = Field(default=None, min_length=1, max_length=64)
    supervision_s: int | None = Field(default=None, ge=10, le=7 * 86400)
    enabled: bool | None = None

    @field_validator("key")
    @classmethod
    def _check_key(cls, value: str | None) -> str | None:
        return valid_key(value)


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
    last_seen_at: datetime | None = None
    comm_state: str = "ok"

    @classmethod
    def of(cls, row: AlarmAccount) -> AccountOut:
        """The public view of ``row``."""
        return cls(
            id=row.id,
            account=row.account,
            kind=row.kind,
            has_key=row.has_key,
            household_id=row.household_id,
            site_id=row.site_id,
            device_code=row.device_code,
            supervision_s=row.supervision_s,
            enabled=row.enabled,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            comm_state=row.comm_state,
        )


ZoneType = Literal["burglary", "panic", "24h", "fire", "gas", "water", "perimeter"]
ArmState = Literal["armed", "disarmed"]
PART_PATTERN = r"^[0-9A-Za-z]{1,8}$"


def norm_number(value: str | None) -> str:
    """A partition or zone number as stored: decimal without leading zeros ("01" -> "1"),
    other text upper-cased; missing -> "0" (the whole panel)."""
    if value is None:
        return "0"
    text = value.strip().upper()
    if text.isdigit():
        return str(int(text))
    return text or "0"


class PartitionIn(BaseModel):
    """A partition to create or update; ``operator_settable`` where the panel allows it."""

    model_config = ConfigDict(extra="forbid")

    partition: str = Field(pattern=PART_PATTERN, description="SIA ri / Contact ID group")
    name: str = Field(default="", max_length=100)
    operator_settable: bool = False

    @field_validator("partition")
    @classmethod
    def _norm(cls, value: str) -> str:
        return norm_number(value)


class PartitionOut(BaseModel):
    """A partition and its arm state."""

    model_config = ConfigDict(from_attributes=True)

    partition: str
    name: str
    state: str
    changed_at: datetime | None
    changed_by: str
    operator_settable: bool


class ArmRequest(BaseModel):
    """An operator's record of a partition's arm state (not sent to the panel)."""

    model_config = ConfigDict(extra="forbid")

    state: ArmState
    note: str = Field(default="", max_length=500)


class ZoneIn(BaseModel):
    """A panel zone: type, partition, and a room (home) or a site zone (perimeter)."""

    model_config = ConfigDict(extra="forbid")

    zone: str = Field(pattern=PART_PATTERN)
    partition: str | None = Field(default=None, pattern=PART_PATTERN)
    zone_type: ZoneType = "burglary"
    name: str = Field(default="", max_length=100)
    room: str = Field(default="", max_length=64)
    site_zone_id: int | None = None

    @field_validator("zone")
    @classmethod
    def _norm_zone(cls, value: str) -> str:
        return norm_number(value)

    @field_validator("partition")
    @classmethod
    def _norm_part(cls, value: str | None) -> str | None:
        return None if value is None else norm_number(value)


class ZoneOut(ZoneIn):
    """A panel zone as stored."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
