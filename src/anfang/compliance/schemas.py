"""Compliance's API shapes: documents and attachments, life-cycle steps, change requests,
rectification orders and answers, reports."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DocKind = Literal[
    "design",
    "review_opinion",
    "commitment",
    "construction",
    "trial_report",
    "acceptance",
    "inspection",
    "registration",
    "impact_assessment",
    "other",
]
MAX_ATTACHMENT = 10 * 1024 * 1024


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachmentIn(_In):
    """A file attached to a document or answer (base64; at most 10 MB)."""

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^/\\\x00]+$")
    content_b64: str = Field(min_length=1, max_length=MAX_ATTACHMENT * 4 // 3 + 8)

    @field_validator("content_b64")
    @classmethod
    def _base64(cls, v: str) -> str:
        try:
            base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("content_b64 is not base64") from exc
        return v


class DocumentIn(_In):
    """A document (a new version when one of the same kind and title exists)."""

    kind: DocKind
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=10 * 1024 * 1024)
    data: dict[str, Any] = Field(default_factory=dict)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class DocumentOut(BaseModel):
    """A document version (attachments described, not included)."""

    id: int
    kind: str
    title: str
    version: int
    body: str
    data: dict[str, Any]
    attachments: list[dict[str, Any]]
    created_at: datetime
    created_by: str


class PanelMember(_In):
    """A member of the acceptance panel."""

    name: str = Field(min_length=1, max_length=100)
    unit: str = Field(default="", max_length=200)
    expert: bool = False


class StepIn(_In):
    """A life-cycle step; which fields matter depends on the action (docs/compliance.md)."""

    action: Literal[
        "submit_design",
        "review",
        "start_construction",
        "start_trial",
        "finish_trial",
        "accept",
        "inspect",
        "register",
    ]
    verdict: Literal["approve", "return", "pass", "basic_pass", "fail"] | None = None
    opinion: str = Field(default="", max_length=20_000)
    items: list[str] = Field(default_factory=list, max_length=200)  # rectification items
    panel: list[PanelMember] = Field(default_factory=list, max_length=50)
    document: DocumentIn | None = None


class StepOut(BaseModel):
    """A recorded step."""

    id: int
    action: str
    stage_from: str
    stage_to: str
    document_id: int | None
    detail: dict[str, Any]
    at: datetime
    actor: str


class ProjectOut(BaseModel):
    """Where the project stands, its steps and how the site differs from the approved design."""

    stage: str
    stage_zh: str
    approved_design: int | None
    trial_started: datetime | None
    went_live: datetime | None
    registered: datetime | None
    registration_due: datetime | None
    registration_overdue: bool
    pending_changes: int
    differences: list[str]
    steps: list[StepOut]


class ChangeIn(_In):
    """A change request: the changed design file and why."""

    title: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=20_000)
    design: str = Field(min_length=1, max_length=10 * 1024 * 1024)


class DecisionIn(_In):
    """The police's decision on a change request."""

    approve: bool
    opinion: str = Field(default="", max_length=20_000)


class ChangeOut(BaseModel):
    """A change request."""

    id: int
    title: str
    reason: str
    design_id: int
    state: str
    opinion: str
    submitted_at: datetime
    submitted_by: str
    decided_at: datetime | None
    decided_by: str


class OrderIn(_In):
    """A rectification order (police inspectors)."""

    title: str = Field(min_length=1, max_length=200)
    detail: str = Field(default="", max_length=20_000)
    rule_id: str | None = Field(default=None, pattern=r"^[A-Z]{2,4}-[0-9]{2}$")
    deadline: datetime

    @field_validator("deadline")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("deadline needs a time zone (e.g. 2026-12-31T18:00:00+08:00)")
        return v


class AnswerIn(_In):
    """An answer to an order, with evidence."""

    text: str = Field(min_length=1, max_length=20_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class AnswerOut(BaseModel):
    """An answer."""

    id: int
    text: str
    attachments: list[dict[str, Any]]
    at: datetime
    actor: str


class OrderOut(BaseModel):
    """An order with its answers; ``overdue`` when open past its deadline."""

    id: int
    title: str
    detail: str
    rule_id: str | None
    deadline: datetime
    state: str
    issued_at: datetime
    issued_by: str
    closed_at: datetime | None
    closed_by: str
    overdue: bool
    answers: list[AnswerOut]


class ReportIn(_In):
    """Run the checker: on the live system, or on a design file."""

    mode: Literal["live", "design"] = "live"
    design: str | None = Field(default=None, max_length=10 * 1024 * 1024)


class ReportBrief(BaseModel):
    """A stored report."""

    id: int
    mode: str
    generated_at: datetime
    generated_by: str
    verdict: str
    sha256: str
    key_id: str


class VerifyOut(BaseModel):
    """The result of checking a report file's signature."""

    valid: bool
    reason: str
    report_id: int | None = None
    key_id: str | None = None
    generated_at: datetime | None = None


class RetentionIn(_In):
    """How many days a record type is kept (at least its minimum)."""

    days: int = Field(ge=1, le=3650)
