"""Compliance tables: the project's documents (versioned, with attachments), its life-cycle
steps, change requests, the police's rectification orders with the property company's
answers, and the signed checker reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base


class Document(Base):
    """One version of a project document (design, review opinion, trial-run report, …).

    A new version of the same ``kind`` and ``title`` gets the next ``version``; nothing is
    overwritten. ``attachments`` lists ``{name, sha256, bytes, path}`` (path relative to the
    data directory's ``compliance/`` folder, the file named by its hash)."""

    __tablename__ = "compliance_documents"
    __table_args__ = (Index("ix_compliance_documents_kind", "kind", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64))


class Step(Base):
    """One step of the life cycle: from which stage to which, by whom, with which document."""

    __tablename__ = "compliance_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    stage_from: Mapped[str] = mapped_column(String(32))
    stage_to: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("compliance_documents.id"), nullable=True
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))


class ChangeRequest(Base):
    """A change to the approved design: it needs the police's re-approval before it is built."""

    __tablename__ = "compliance_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    design_id: Mapped[int] = mapped_column(ForeignKey("compliance_documents.id"))
    state: Mapped[str] = mapped_column(String(16), default="submitted")
    opinion: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column()
    submitted_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64), default="")


class Order(Base):
    """A rectification order issued by a police inspector, with its deadline."""

    __tablename__ = "compliance_orders"
    __table_args__ = (Index("ix_compliance_orders_state_deadline", "state", "deadline"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    rule_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    deadline: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, answered, closed
    issued_at: Mapped[datetime] = mapped_column()
    issued_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    overdue_alerted: Mapped[bool] = mapped_column(Boolean, default=False)


class Answer(Base):
    """The property company's answer to an order (or the inspector's reply), with evidence."""

    __tablename__ = "compliance_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("compliance_orders.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))


class Report(Base):
    """A checker report as issued: its JSON, the hash and Ed25519 signature of that JSON."""

    __tablename__ = "compliance_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))  # design | live
    generated_at: Mapped[datetime] = mapped_column()
    generated_by: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class WorkOrder(Base):
    """A maintenance work order: opened from a fault, an offline device, video loss or a
    failed inspection (``source``), or by hand; due by its priority's SLA."""

    __tablename__ = "maintenance_orders"
    __table_args__ = (
        Index("ix_maintenance_orders_state_due", "state", "due_at"),
        Index("ix_maintenance_orders_device", "device_code", "source", "state"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(
        String(16)
    )  # fault, offline, video_loss, inspection, manual
    event_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, assigned, closed
    assignee: Mapped[str] = mapped_column(String(64), default="")
    opened_at: Mapped[datetime] = mapped_column()
    opened_by: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    escalations: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    """A device's product data the supervisors check (by the device's code)."""

    __tablename__ = "maintenance_products"
    device_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    manufacturer: Mapped[str] = mapped_column(String(100), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    certificate: Mapped[str] = mapped_column(String(100), default="")  # CCC or test report number
    firmware: Mapped[str] = mapped_column(String(100), default="")
    installed_on: Mapped[str] = mapped_column(String(10), default="")  # YYYY-MM-DD
    updated_at: Mapped[datetime] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(64))


class RetentionSetting(Base):
    """How long a record type is kept when the community keeps it longer than its minimum."""

    __tablename__ = "compliance_retention"
    record_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(64))
