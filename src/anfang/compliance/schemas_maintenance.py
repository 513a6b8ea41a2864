"""Maintenance's API shapes: work orders and the devices' product data."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from anfang.compliance.schemas import AttachmentIn


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkOrderIn(_In):
    """A work order opened by hand."""

    title: str = Field(min_length=1, max_length=200)
    device_code: str | None = Field(default=None, max_length=64)
    priority: Literal[1, 2, 3, 4] = 3
    assignee: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=5000)


class AssignIn(_In):
    """Who takes a work order."""

    assignee: str = Field(min_length=1, max_length=64)


class CloseIn(_In):
    """Closing a work order: what was done, and the evidence (a photo, a report)."""

    note: str = Field(min_length=1, max_length=5000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)


class WorkOrderOut(BaseModel):
    """A work order; ``overdue`` when open past its due time."""

    id: int
    device_code: str | None
    title: str
    source: str
    event_id: str | None
    priority: int
    state: str
    assignee: str
    opened_at: datetime
    opened_by: str
    due_at: datetime
    closed_at: datetime | None
    closed_by: str
    note: str
    evidence: list[dict[str, Any]]
    escalations: int
    overdue: bool


class ProductIn(_In):
    """A device's product data."""

    manufacturer: str = Field(default="", max_length=100)
    model: str = Field(default="", max_length=100)
    certificate: str = Field(default="", max_length=100)
    firmware: str = Field(default="", max_length=100)
    installed_on: str = Field(default="", pattern=r"^(\d{4}-\d{2}-\d{2})?$")


class DeviceHistory(BaseModel):
    """A device's product data and its work orders."""

    device_code: str
    product: ProductIn | None
    work_orders: list[WorkOrderOut]
