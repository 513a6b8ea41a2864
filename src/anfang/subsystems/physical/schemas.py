"""Physical-protection API schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from anfang.subsystems.physical.rules import Kind

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemIn(_In):
    """A barrier in the inventory."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    kind: Kind
    geometry: list[list[float]] = Field(default_factory=list, max_length=1000)
    height_m: float | None = Field(default=None, ge=0, le=20)
    length_m: float | None = Field(default=None, ge=0, le=100_000)
    material: str = Field(default="", max_length=32)
    anti_climb: list[str] = Field(default_factory=list, max_length=10)
    bar_gap_cm: float | None = Field(default=None, ge=0, le=500)
    low_rails: bool = False
    locking: str = Field(default="", max_length=16)
    floor: int | None = Field(default=None, ge=-10, le=200)
    zone_id: int | None = Field(default=None, ge=1)
    checkpoint_id: int | None = Field(default=None, ge=1, description="guard-tour checkpoint")
    checklist: list[str] = Field(default_factory=list, max_length=30)
    note: str = Field(default="", max_length=500)


class FindingOut(BaseModel):
    """A rule the item does not meet."""

    rule: str
    message: str
    mandatory: bool


class ItemOut(ItemIn):
    """A stored item with its status and what it falls short of."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int
    status: str
    compliant: bool = True
    findings: list[FindingOut] = Field(default_factory=list)
    open_repairs: int = 0


class CheckResult(_In):
    """One checklist line."""

    check: str = Field(min_length=1, max_length=100)
    ok: bool
    note: str = Field(default="", max_length=300)


class InspectionIn(_In):
    """An item inspected; a failed line opens a repair record."""

    item_id: int = Field(ge=1)
    results: list[CheckResult] = Field(min_length=1, max_length=30)
    at: AwareDatetime | None = None
    deadline_days: int = Field(default=7, ge=1, le=90, description="for the repair it opens")


class InspectionOut(BaseModel):
    """A stored inspection."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    item_id: int
    at: datetime
    inspector: str
    results: list[dict[str, Any]]
    passed: bool
    repair_id: int | None


class RepairIn(_In):
    """A repair opened by hand."""

    item_id: int | None = Field(default=None, ge=1)
    description: str = Field(min_length=2, max_length=500)
    assignee: str = Field(default="", max_length=100)
    deadline: AwareDatetime


class RepairUpdate(_In):
    """Assign a repair, move its deadline, or close it with evidence."""

    assignee: str | None = Field(default=None, max_length=100)
    deadline: AwareDatetime | None = None
    state: Literal["open", "in_progress", "closed"] | None = None
    evidence: str | None = Field(default=None, max_length=500)


class RepairOut(BaseModel):
    """A repair record."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    item_id: int | None
    source: str
    source_ref: str
    description: str
    opened_at: datetime
    opened_by: str
    assignee: str
    deadline: datetime
    state: str
    closed_at: datetime | None
    closed_by: str | None
    evidence: str
    overdue: bool = False


class Summary(BaseModel):
    """The inventory at a glance."""

    items: int
    by_kind: dict[str, int]
    non_compliant: int
    damaged: int
    repairs_open: int
    repairs_overdue: int
    inspections_30d: int
    inspections_failed_30d: int
