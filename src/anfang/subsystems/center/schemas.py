"""Monitoring-centre API schemas: the alarm history, shifts, the duty log, hand-over."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Category = Literal["note", "call", "visit", "patrol", "fault", "police", "other"]


class HistoryPage(BaseModel):
    """Alarms matching a search, newest first, and the id to page on from."""

    items: list[dict[str, Any]]
    next_before: str | None


class LogIn(BaseModel):
    """A duty-log line; ``open`` marks an item the next shift must take over."""

    model_config = ConfigDict(extra="forbid")
    category: Category = "note"
    text: str = Field(min_length=1, max_length=2000)
    open: bool = False


class LogOut(BaseModel):
    """A duty-log line."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    shift_id: int
    at: datetime
    actor: str
    category: str
    text: str
    open: bool


class ShiftOut(BaseModel):
    """A shift and its hand-over."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    operator: str
    started_at: datetime
    ended_at: datetime | None
    state: str
    handover_to: str | None
    handover_note: str
    open_items: list[dict[str, Any]]
    handed_over_at: datetime | None
    accepted_by: str | None
    accepted_at: datetime | None
    accept_note: str
    next_shift_id: int | None


class ShiftLog(BaseModel):
    """What happened in a shift: its log lines and the platform's own record of it."""

    shift: ShiftOut
    entries: list[LogOut]
    alarms_raised: int
    alarms_closed: int
    open_alarms: int
    counts: dict[str, int] = Field(description="events in the shift by group (patrol, visitors…)")


class HandoverIn(BaseModel):
    """The outgoing operator signs the hand-over: to whom (optional) and a note."""

    model_config = ConfigDict(extra="forbid")
    to: str | None = Field(default=None, min_length=1, max_length=64)
    note: str = Field(default="", max_length=4000)


class AcceptIn(BaseModel):
    """The incoming operator signs that they took the open items over."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=4000)


ActionType = Literal[
    "snapshot",
    "clip",
    "popup",
    "ptz_preset",
    "open_door",
    "lock_door",
    "output",
    "notify",
    "raise_alarm",
]


class ActionIn(BaseModel):
    """One action of a rule and its parameters (which ones each needs: docs/center.md)."""

    model_config = ConfigDict(extra="forbid")
    type: ActionType
    cameras: list[str] | None = Field(default=None, max_length=16)
    camera: str | None = Field(default=None, max_length=64)
    preset: str | None = Field(default=None, max_length=64)
    door: str | None = Field(default=None, max_length=64)
    device: str | None = Field(default=None, max_length=64)
    output: str | None = Field(default=None, max_length=32)
    on: bool | None = None
    url: str | None = Field(default=None, max_length=500)
    priority: int | None = Field(default=None, ge=1, le=5)
    title: str | None = Field(default=None, max_length=200)
    pre_s: int | None = Field(default=None, ge=0, le=120)
    post_s: int | None = Field(default=None, ge=1, le=300)


class WindowIn(BaseModel):
    """When a rule is active (ISO weekdays 1–7, local site time; may cross midnight)."""

    model_config = ConfigDict(extra="forbid")
    days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    start: str = Field(default="00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(default="23:59", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class RuleIn(BaseModel):
    """A linkage rule; a scope left out (null) means any device, zone or building."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    kinds: list[str] = Field(min_length=1, max_length=20)
    device_codes: list[str] | None = Field(default=None, max_length=200)
    zone_ids: list[int] | None = Field(default=None, max_length=200)
    building_ids: list[int] | None = Field(default=None, max_length=200)
    schedule: list[WindowIn] | None = Field(default=None, max_length=14)
    actions: list[ActionIn] = Field(min_length=1, max_length=10)
    notify_secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="write-only webhook key"
    )


class RuleOut(BaseModel):
    """A rule as the API shows it, with what is wrong with it now (``problems``: a device
    or zone deleted since, an action no part of this installation carries out)."""

    id: int
    name: str
    enabled: bool
    version: int
    kinds: list[str]
    device_codes: list[str] | None
    zone_ids: list[int] | None
    building_ids: list[int] | None
    schedule: list[dict[str, Any]] | None
    actions: list[dict[str, Any]]
    notify_secret_set: bool
    updated_at: datetime
    updated_by: str
    problems: list[dict[str, Any]]


class DryRun(BaseModel):
    """What a rule would have done over the last day's events."""

    events_checked: int
    matched: int
    examples: list[dict[str, Any]]
