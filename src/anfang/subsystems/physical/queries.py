"""Physical-protection reads: the inventory with findings, inspections, repairs, summary."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.subsystems.physical.models import PhysicalInspection, PhysicalItem, PhysicalRepair
from anfang.subsystems.physical.schemas import ItemOut, RepairOut, Summary
from anfang.subsystems.physical.service import item_out


def _open_counts(session: Session) -> dict[int, int]:
    return {
        int(i or 0): int(n)
        for i, n in session.execute(
            select(PhysicalRepair.item_id, func.count())
            .where(PhysicalRepair.state != "closed", PhysicalRepair.item_id.is_not(None))
            .group_by(PhysicalRepair.item_id)
        )
    }


def items(session: Session, kind: str | None = None) -> list[ItemOut]:
    """The inventory by code, each item with its findings and open repairs."""
    q = select(PhysicalItem).order_by(PhysicalItem.code)
    if kind is not None:
        q = q.where(PhysicalItem.kind == kind)
    counts = _open_counts(session)
    return [item_out(r, counts.get(r.id, 0)) for r in session.scalars(q)]


def inspections(session: Session, item_id: int | None, limit: int) -> list[PhysicalInspection]:
    """The latest inspections."""
    q = select(PhysicalInspection).order_by(PhysicalInspection.at.desc()).limit(limit)
    if item_id is not None:
        q = q.where(PhysicalInspection.item_id == item_id)
    return list(session.scalars(q))


def repair_out(row: PhysicalRepair, now: datetime) -> RepairOut:
    """A repair, flagged when past its deadline and still open."""
    out = RepairOut.model_validate(row)
    out.overdue = row.state != "closed" and row.deadline < now
    return out


def repairs(session: Session, state: str | None, now: datetime, limit: int) -> list[RepairOut]:
    """Repairs, open ones first by deadline."""
    q = select(PhysicalRepair).order_by(PhysicalRepair.deadline).limit(limit)
    if state == "open":
        q = q.where(PhysicalRepair.state != "closed")
    elif state is not None:
        q = q.where(PhysicalRepair.state == state)
    return [repair_out(r, now) for r in session.scalars(q)]


def summary(session: Session, now: datetime) -> Summary:
    """The inventory at a glance."""
    all_items = items(session)
    by_kind: dict[str, int] = {}
    for it in all_items:
        by_kind[it.kind] = by_kind.get(it.kind, 0) + 1
    open_q = (
        select(func.count()).select_from(PhysicalRepair).where(PhysicalRepair.state != "closed")
    )
    since = now - timedelta(days=30)
    insp = (
        select(func.count()).select_from(PhysicalInspection).where(PhysicalInspection.at >= since)
    )
    failed = insp.where(PhysicalInspection.passed.is_(False))
    return Summary(
        items=len(all_items), by_kind=by_kind,
        non_compliant=sum(1 for it in all_items if not it.compliant),
        damaged=sum(1 for it in all_items if it.status == "damaged"),
        repairs_open=int(session.scalar(open_q) or 0),
        repairs_overdue=int(session.scalar(open_q.where(PhysicalRepair.deadline < now)) or 0),
        inspections_30d=int(session.scalar(insp) or 0),
        inspections_failed_30d=int(session.scalar(failed) or 0),
    )  # fmt: skip
