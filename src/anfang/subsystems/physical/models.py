"""Physical-protection tables: the inventory of barriers (fences, walls, doors, grilles,
bollards, gates) on the site map, their inspections, and repair records. The API's schemas
are in :mod:`.schemas`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow


class PhysicalItem(Base):
    """One barrier: its kind, place (a point or a line on the map), the properties the grade
    rules look at (height, material, anti-climb features, floor), the perimeter zone it
    closes and the guard-tour checkpoint where it is inspected (an id of the guard tour's,
    kept as a plain number: the two subsystems share no tables)."""

    __tablename__ = "physical_items"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    geometry: Mapped[list[Any]] = mapped_column(JSON, default=list)
    height_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    length_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    material: Mapped[str] = mapped_column(String(32), default="")
    anti_climb: Mapped[list[str]] = mapped_column(JSON, default=list)
    bar_gap_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    low_rails: Mapped[bool] = mapped_column(Boolean, default=False)  # rails below 1 m
    locking: Mapped[str] = mapped_column(String(16), default="")  # doors: multi_point, …
    floor: Mapped[int | None] = mapped_column(Integer, nullable=True)
    zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL"), nullable=True, index=True
    )
    checkpoint_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok, damaged
    note: Mapped[str] = mapped_column(String(500), default="")


class PhysicalInspection(Base):
    """One item inspected: each checklist line passed or failed, by whom, when."""

    __tablename__ = "physical_inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("physical_items.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(index=True)
    inspector: Mapped[str] = mapped_column(String(64))
    results: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"check", "ok", "note"}]
    passed: Mapped[bool] = mapped_column(Boolean)
    repair_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PhysicalRepair(Base):
    """A repair record: opened by a failed inspection, a guard's damage report or a
    detector's tamper; assigned with a deadline; closed with evidence. An open record past
    its deadline raises an alarm once (``physical.repair_overdue``)."""

    __tablename__ = "physical_repairs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("physical_items.id", ondelete="SET NULL"), nullable=True, index=True
    )
    source: Mapped[str] = mapped_column(String(16))  # inspection, report, tamper, manual
    source_ref: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(String(500))
    photo: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(64))
    assignee: Mapped[str] = mapped_column(String(100), default="")
    deadline: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="open", index=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evidence: Mapped[str] = mapped_column(String(500), default="")
    evidence_photo: Mapped[str | None] = mapped_column(String(64), nullable=True)
    overdue_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
