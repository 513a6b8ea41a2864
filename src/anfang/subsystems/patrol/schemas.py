"""Guard-tour API schemas: what comes in (validated, unknown fields refused) and goes out."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from anfang.subsystems.patrol.adapters.checkin import TagError, TagKind, normalise_tag

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


def _hhmm(value: str) -> str:
    try:
        return time.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        raise ValueError(f"{value!r} is not a time HH:MM") from None


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckpointIn(_In):
    """A checkpoint: its code, name, tag and place on the site map."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    tag_kind: TagKind = "rfid"
    tag: str = Field(min_length=1, max_length=160)
    map_x: float | None = Field(default=None, ge=-1e6, le=1e6)
    map_y: float | None = Field(default=None, ge=-1e6, le=1e6)
    enabled: bool = True

    @model_validator(mode="after")
    def _tag(self) -> CheckpointIn:
        try:
            self.tag = normalise_tag(self.tag_kind, self.tag)
        except TagError as exc:
            raise ValueError(str(exc)) from None
        return self


class CheckpointOut(CheckpointIn):
    """A stored checkpoint."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int


class GuardIn(_In):
    """A guard of the security staff."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=32)
    badge: str | None = Field(default=None, min_length=1, max_length=64)
    username: str | None = Field(default=None, min_length=1, max_length=64)
    enabled: bool = True


class GuardOut(GuardIn):
    """A stored guard."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int


class RoutePoint(_In):
    """One stop of a route: the checkpoint and the minutes expected since the stop before."""

    checkpoint_id: int = Field(ge=1)
    after_min: float = Field(default=5.0, ge=0, le=24 * 60)


class RouteIn(_In):
    """A route: its stops in order and how much lateness it tolerates."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    points: list[RoutePoint] = Field(min_length=1, max_length=200)
    tolerance_min: float = Field(default=5.0, ge=0, le=240)
    grace_min: float = Field(
        default=0.0, ge=0, le=24 * 60, description="wait this long before calling a point missed"
    )
    enabled: bool = True


class RouteOut(RouteIn):
    """A stored route; ``version`` grows with every edit."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int
    version: int


class RouteSaved(RouteOut):
    """A route after an edit: rounds under way keep the plan they started with."""

    rounds_replanned: int
    rounds_kept: int


class ScheduleIn(_In):
    """When a route is walked: weekdays, fixed times and/or a recurrence, dates, holidays."""

    route_id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=100)
    guard_id: int | None = Field(default=None, ge=1)
    days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7], min_length=1)
    times: list[str] = Field(default_factory=list, max_length=96)
    every_min: int | None = Field(default=None, ge=15, le=24 * 60)
    from_time: str = "00:00"
    until_time: str = "23:59"
    start_window_min: float = Field(default=15.0, ge=1, le=240)
    valid_from: date | None = None
    valid_until: date | None = None
    on_holidays: bool = True
    enabled: bool = True

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in value):
            raise ValueError("days are ISO weekdays 1 (Monday) to 7 (Sunday)")
        return sorted(set(value))

    @field_validator("times")
    @classmethod
    def _times(cls, value: list[str]) -> list[str]:
        return sorted({_hhmm(v) for v in value})

    @field_validator("from_time", "until_time")
    @classmethod
    def _time(cls, value: str) -> str:
        return _hhmm(value)

    @model_validator(mode="after")
    def _some_start(self) -> ScheduleIn:
        if not self.times and self.every_min is None:
            raise ValueError("give start times, every_min, or both")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class ScheduleOut(ScheduleIn):
    """A stored schedule."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int


class HolidayIn(_In):
    """A holiday."""

    day: date
    name: str = Field(default="", max_length=100)


class HolidayOut(HolidayIn):
    """A stored holiday."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


class PointOut(BaseModel):
    """One point of a round as the console shows it."""

    checkpoint_id: int
    checkpoint: str
    status: str
    expected: datetime
    visited_at: datetime | None
    out_of_order: bool


class RoundOut(BaseModel):
    """A round and its live state."""

    id: int
    route_id: int
    route: str
    schedule: str
    guard: str | None
    planned_start: datetime
    deadline: datetime
    status: str
    finished: bool
    started_at: datetime | None
    points_total: int
    points_on_time: int
    points_late: int
    points_missed: int
    points: list[PointOut]


class CheckinOut(BaseModel):
    """A check-in as received, with its verdict."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    event_id: str
    device: str
    tag_kind: str
    tag: str
    guard: str | None
    checkpoint_id: int | None
    occurred_at: datetime
    received_at: datetime
    verdict: str
    reason: str


class ReportRow(BaseModel):
    """Compliance of one guard, route or day."""

    key: str
    rounds: int
    rounds_complete: int
    rounds_not_started: int
    points: int
    on_time: int
    late: int
    missed: int
    compliance_pct: float


class Report(BaseModel):
    """The guard-tour report of a day or a month."""

    period: str
    first: date
    last: date
    totals: ReportRow
    by_guard: list[ReportRow]
    by_route: list[ReportRow]
    by_day: list[ReportRow]
    checkins: dict[str, int]
    extra: dict[str, Any] = Field(default_factory=dict)
