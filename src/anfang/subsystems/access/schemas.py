"""API schemas of access control: what installers send, what the API shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from anfang.api.types import DbId, NullRefusing
from anfang.subsystems.access import rules

DoorKind = Literal["door", "gate", "turnstile", "barrier"]
Passback = Literal["off", "soft", "hard"]
Direction = Literal["entry", "exit"]
HolderKind = Literal["resident", "staff", "visitor"]
CredKind = Literal["card", "pin", "face"]
State = Literal["active", "suspended", "lost", "revoked"]
CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. +08:00")
    return value


class DoorIn(_In):
    """A door, gate, turnstile or barrier."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    kind: DoorKind = "door"
    site_id: DbId | None = None
    device_id: DbId | None = None
    unit_id: DbId | None = None
    anti_passback: Passback = "off"
    passback_area: str | None = Field(default=None, pattern=CODE)
    unlock_s: int = Field(default=5, ge=1, le=300)
    held_open_s: int = Field(default=30, ge=3, le=3600)
    passback_reset_h: int | None = Field(default=None, ge=1, le=720)
    passback_reset_at: str | None = Field(default=None, pattern=HHMM)
    enabled: bool = True


class DoorPatch(_In, NullRefusing):
    """Fields of a door to change."""

    _not_null: ClassVar[frozenset[str]] = frozenset(
        {"name", "anti_passback", "unlock_s", "held_open_s", "enabled"}
    )
    name: str | None = Field(default=None, min_length=1, max_length=200)
    anti_passback: Passback | None = None
    passback_area: str | None = Field(default=None, pattern=CODE)
    unlock_s: int | None = Field(default=None, ge=1, le=300)
    held_open_s: int | None = Field(default=None, ge=3, le=3600)
    passback_reset_h: int | None = Field(default=None, ge=1, le=720)
    passback_reset_at: str | None = Field(default=None, pattern=HHMM)
    enabled: bool | None = None


class DoorOut(_Out):
    """A door with its last reported state."""

    id: int
    code: str
    name: str
    kind: str
    site_id: DbId | None
    device_id: DbId | None
    unit_id: DbId | None
    anti_passback: str
    passback_area: str | None
    unlock_s: int
    held_open_s: int
    passback_reset_h: int | None = None
    passback_reset_at: str | None = None
    state: str
    state_at: datetime | None
    enabled: bool
    alarm: str | None = None


class ReaderIn(_In):
    """A reader: which terminal (device) and address, which door, which direction."""

    door_id: DbId
    device_id: DbId
    address: str = Field(default="1", pattern=r"^[A-Za-z0-9_.\-]{1,32}$")
    direction: Direction = "entry"
    name: str = Field(default="", max_length=200)
    enabled: bool = True


class ReaderOut(_Out):
    """A reader."""

    id: int
    door_id: DbId
    device_id: DbId
    address: str
    direction: str
    name: str
    enabled: bool
    secure: bool = False


class ScbkIn(_In):
    """An OSDP secure-channel base key: 16 bytes as 32 hex digits; null clears it."""

    scbk: str | None = Field(pattern=r"^[0-9A-Fa-f]{32}$")


class HolderIn(_In):
    """A holder; residents link to the site model's resident."""

    kind: HolderKind = "staff"
    name: str = Field(min_length=1, max_length=100)
    resident_id: DbId | None = None
    phone: str = Field(default="", max_length=32)
    state: State = "active"
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    group_ids: list[int] = Field(default_factory=list)

    _check = field_validator("valid_from", "valid_until")(_aware)


class HolderPatch(_In, NullRefusing):
    """Fields of a holder to change."""

    _not_null: ClassVar[frozenset[str]] = frozenset({"name", "phone", "state", "group_ids"})
    name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    state: State | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    group_ids: list[int] | None = None

    _check = field_validator("valid_from", "valid_until")(_aware)


class HolderOut(_Out):
    """A holder and its groups."""

    id: int
    kind: str
    name: str
    resident_id: DbId | None
    phone: str
    state: str
    valid_from: datetime | None
    valid_until: datetime | None
    group_ids: list[int] = Field(default_factory=list)


class CredentialIn(_In):
    """A card number (decimal), a PIN (4-8 digits, stored peppered) or a face person id."""

    holder_id: DbId
    kind: CredKind
    value: str = Field(min_length=1, max_length=64)
    label: str = Field(default="", max_length=64)
    state: State = "active"
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    _check = field_validator("valid_from", "valid_until")(_aware)


class CredentialPatch(_In, NullRefusing):
    """A credential's state or validity (a lost card is marked, not deleted)."""

    _not_null: ClassVar[frozenset[str]] = frozenset({"state", "label"})
    state: State | None = None
    label: str | None = Field(default=None, max_length=64)
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    _check = field_validator("valid_from", "valid_until")(_aware)


class CredentialOut(_Out):
    """A credential; a PIN is never shown."""

    id: int
    holder_id: DbId
    kind: str
    value: str
    label: str
    state: str
    valid_from: datetime | None
    valid_until: datetime | None


class GroupIn(_In):
    """An access group."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)


class GroupOut(_Out):
    """An access group."""

    id: int
    code: str
    name: str


class WindowIn(_In):
    """A weekly window: weekdays (0 = Monday) and ``HH:MM`` start/end in site time."""

    days: list[int] = Field(min_length=1, max_length=7)
    start: str
    end: str

    def check(self) -> None:
        """Raise ValueError naming what is wrong."""
        rules.window_of(self.model_dump())


class ScheduleIn(_In):
    """A weekly schedule and its holiday windows (empty: closed on holidays)."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    windows: list[WindowIn] = Field(min_length=1, max_length=50)
    holiday_windows: list[WindowIn] = Field(default_factory=list, max_length=50)

    @field_validator("windows", "holiday_windows")
    @classmethod
    def _valid(cls, value: list[WindowIn]) -> list[WindowIn]:
        for w in value:
            w.check()
        return value


class ScheduleOut(_Out):
    """A schedule."""

    id: int
    code: str
    name: str
    windows: list[dict[str, Any]]
    holiday_windows: list[dict[str, Any]]


class HolidayIn(_In):
    """A holiday date in site time."""

    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    name: str = Field(default="", max_length=100)


class HolidayOut(_Out):
    """A holiday."""

    id: int
    day: str
    name: str


class RuleIn(_In):
    """Group × door × schedule (no schedule: any time)."""

    group_id: DbId
    door_id: DbId
    schedule_id: DbId | None = None


class RuleOut(_Out):
    """A rule."""

    id: int
    group_id: DbId
    door_id: DbId
    schedule_id: DbId | None


class RemoteOpenIn(_In):
    """Why the operator opens the door (kept in the audit log)."""

    reason: str = Field(min_length=2, max_length=500)


class PassbackForgiveIn(_In):
    """Why a holder's anti-passback state is cleared (audited); optionally one area only."""

    reason: str = Field(min_length=2, max_length=500)
    area: str | None = Field(default=None, pattern=CODE)


class ImportResidentsIn(_In):
    """Make holders of every resident without one, optionally into a group."""

    group_id: DbId | None = None
