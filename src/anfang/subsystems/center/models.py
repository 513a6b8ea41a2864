"""Monitoring-centre tables: duty shifts with their hand-over, the duty log, linkage rules
and their versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base


class CenterShift(Base):
    """One operator's shift at the monitoring centre.

    ``state``: "on_duty", then "handing_over" once the outgoing operator signed the
    hand-over (its open items and note frozen), then "closed" when the incoming operator
    signed it too (their own shift starts in the same step).
    """

    __tablename__ = "center_shifts"
    __table_args__ = (Index("ix_center_shifts_state", "state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="on_duty")
    handover_to: Mapped[str | None] = mapped_column(String(64), nullable=True)
    handover_note: Mapped[str] = mapped_column(Text, default="")
    # What was open at hand-over: [{"kind": "alarm"|"note", "id", "title", "state"}].
    open_items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    handed_over_at: Mapped[datetime | None] = mapped_column(nullable=True)
    accepted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    accept_note: Mapped[str] = mapped_column(Text, default="")
    next_shift_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CenterLogEntry(Base):
    """A line of the duty log written by an operator (calls, visits, observations)."""

    __tablename__ = "center_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("center_shifts.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16), default="note")
    text: Mapped[str] = mapped_column(Text)
    open: Mapped[bool] = mapped_column(default=False)


class CenterRule(Base):
    """A linkage rule (see :mod:`anfang.core.linkage_rules`); ``version`` counts its edits,
    each kept whole in ``center_rule_versions``."""

    __tablename__ = "center_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    kinds: Mapped[list[Any]] = mapped_column(JSON)
    device_codes: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    zone_ids: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    building_ids: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    schedule: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    actions: Mapped[list[Any]] = mapped_column(JSON)
    # The webhook key of its notify actions, sealed (never returned, never logged).
    notify_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    updated_at: Mapped[datetime] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(64))


class CenterRuleVersion(Base):
    """One saved version of a rule, as it was saved (the secret left out)."""

    __tablename__ = "center_rule_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64))


class CenterMapLayer(Base):
    """A site or floor plan (an uploaded image) on which devices are placed."""

    __tablename__ = "center_map_layers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="SET NULL"), nullable=True
    )
    floor: Mapped[int | None] = mapped_column(Integer, nullable=True)
    path: Mapped[str] = mapped_column(String(200))  # under the data directory
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64))


class CenterMapPlacement(Base):
    """Where a device is on a plan: ``x`` and ``y`` as fractions of its width and height."""

    __tablename__ = "center_map_placements"
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("center_map_layers.id", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    x: Mapped[float] = mapped_column()
    y: Mapped[float] = mapped_column()
