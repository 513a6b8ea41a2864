"""Car-park API schemas: lots, lanes, listed vehicles, invitations, sessions and the plate
read formats (the vendor-neutral one and Vzenith's push)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from anfang.subsystems.parking.adapters.plates import PlateError, parse

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
MAX_INVITE = timedelta(days=7)


def _plate(value: str) -> str:
    try:
        return parse(value).text
    except PlateError as exc:
        raise ValueError(str(exc)) from None


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LotIn(_In):
    """A car park."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    capacity: int = Field(default=0, ge=0, le=100_000)
    overstay_h: int = Field(default=24, ge=1, le=24 * 90)


class LotOut(LotIn):
    """A stored car park."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int


class LaneIn(_In):
    """An LPR camera's lane: its lot, direction and the barrier (an access door code)."""

    device_code: str = Field(pattern=CODE)
    lot_id: int = Field(ge=1)
    direction: Literal["in", "out"]
    barrier: str | None = Field(default=None, pattern=CODE)
    open_visitors: bool = True
    open_unknown: bool = False


class LaneOut(LaneIn):
    """A stored lane."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int


class VehicleIn(_In):
    """A plate on the white list (a household's) or the black list (with a reason)."""

    plate: str = Field(min_length=1, max_length=32)
    list: Literal["white", "black"] = "white"
    colour: str | None = Field(default=None, max_length=16)
    household_id: int | None = Field(default=None, ge=1)
    owner: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=32)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    reason: str = Field(default="", max_length=200)

    _norm = field_validator("plate")(_plate)

    @model_validator(mode="after")
    def _check(self) -> VehicleIn:
        if self.list == "black" and not self.reason.strip():
            raise ValueError("a black-listed plate needs a reason")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until is not after valid_from")
        return self


class VehicleOut(VehicleIn):
    """A stored vehicle."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class InviteIn(_In):
    """A visitor vehicle let in between two times (at most seven days)."""

    plate: str = Field(min_length=1, max_length=32)
    household_id: int | None = Field(default=None, ge=1)
    visitor: str = Field(default="", max_length=100)
    valid_from: AwareDatetime
    valid_until: AwareDatetime

    _norm = field_validator("plate")(_plate)

    @model_validator(mode="after")
    def _span(self) -> InviteIn:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until is not after valid_from")
        if self.valid_until - self.valid_from > MAX_INVITE:
            raise ValueError("an invitation lasts at most 7 days")
        return self


class InviteOut(BaseModel):
    """A stored invitation."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    plate: str
    household_id: int | None
    visitor: str
    valid_from: datetime
    valid_until: datetime
    created_by: str
    revoked: bool


class SessionOut(BaseModel):
    """A stay in a lot."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    lot_id: int
    plate: str
    vehicle_class: str
    state: str
    entered_at: datetime | None
    exited_at: datetime | None
    exit_plate: str | None
    match: str
    near: list[str]
    dwell_s: float | None = None


class MatchIn(_In):
    """An operator's confirmation: this unmatched exit is that vehicle inside (misread)."""

    session_id: int = Field(ge=1, description="the stay inside the exit belongs to")


class OpenIn(_In):
    """An operator's manual barrier open (audited)."""

    reason: str = Field(min_length=2, max_length=200)


class LotState(BaseModel):
    """A lot now: capacity, inside by class, free, overstays."""

    id: int
    code: str
    name: str
    capacity: int
    inside: int
    by_class: dict[str, int]
    free: int | None
    overstays: list[SessionOut]
    unmatched: list[SessionOut]


class PlateRead(_In):
    """The vendor-neutral read an LPR camera sends (signed like ``/ingest/events``)."""

    id: str = Field(min_length=1, max_length=64, description="the camera's own id of the read")
    plate: str | None = Field(
        default=None, max_length=32, description="leave out to have the plate read from image"
    )
    colour: str | None = Field(default=None, max_length=16)
    confidence: float | None = Field(default=None, ge=0, le=100)
    occurred_at: AwareDatetime
    image: str | None = Field(default=None, description="the plate crop or scene, base64 JPEG")

    @model_validator(mode="after")
    def _something(self) -> PlateRead:
        if not (self.plate or "").strip() and not self.image:
            raise ValueError("give the plate, or an image of it to read")
        return self


class ReadAnswer(BaseModel):
    """The platform's decision, for the camera to act on (open its barrier relay or not)."""

    event_id: str
    duplicate: bool
    plate: str | None
    verdict: str
    open: bool
    reason: str
    extra: dict[str, Any] = Field(default_factory=dict)
