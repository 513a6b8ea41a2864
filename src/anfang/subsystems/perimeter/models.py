"""Perimeter tables and API schemas: each zone's arming schedule and bypass."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow

MAX_BYPASS_S = 7 * 86400


class PerimeterZoneConfig(Base):
    """How one perimeter zone (a ``zones`` row) is guarded.

    ``schedule`` (``[{"days": [1..7], "start": "HH:MM", "end": "HH:MM"}]`` in the site's
    timezone; None: armed around the clock) says when an intrusion raises an alarm.
    ``bypass_until`` switches the zone off until then; the bypass ends by itself.
    """

    __tablename__ = "perimeter_zone_configs"
    zone_id: Mapped[int] = mapped_column(
        ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True
    )
    schedule: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    bypass_until: Mapped[datetime | None] = mapped_column(nullable=True)
    bypass_by: Mapped[str] = mapped_column(String(64), default="")
    bypass_reason: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    cameras: Mapped[int] = mapped_column(Integer, default=2)


class Window(BaseModel):
    """One weekly window of a schedule (ISO weekdays 1 = Monday … 7 = Sunday)."""

    model_config = ConfigDict(extra="forbid")

    days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7], min_length=1)
    start: str = "00:00"
    end: str = "23:59"

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in value):
            raise ValueError("days are ISO weekdays 1 (Monday) to 7 (Sunday)")
        return sorted(set(value))

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time HH:MM") from None
        return parsed.strftime("%H:%M")


class ScheduleIn(BaseModel):
    """A zone's arming schedule; ``windows`` None arms it around the clock."""

    model_config = ConfigDict(extra="forbid")

    windows: list[Window] | None = Field(default=None, max_length=50)
    cameras: int = Field(default=2, ge=0, le=8, description="nearest cameras to link")


class BypassIn(BaseModel):
    """A time-limited bypass: the zone raises no intrusion alarm until it expires."""

    model_config = ConfigDict(extra="forbid")

    duration_s: int = Field(ge=60, le=MAX_BYPASS_S)
    reason: str = Field(min_length=1, max_length=200)


class ZoneStateOut(BaseModel):
    """A perimeter zone as the console shows it: place, schedule, bypass, armed now."""

    id: int
    site_id: int
    code: str
    name: str
    length_m: float | None
    geometry: list[list[float]]
    schedule: list[dict[str, Any]] | None
    cameras: int
    bypass_until: datetime | None
    bypass_by: str
    bypass_reason: str
    armed_now: bool
