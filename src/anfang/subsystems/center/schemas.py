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
