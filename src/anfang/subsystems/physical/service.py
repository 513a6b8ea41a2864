"""Physical protection: the inventory (each item checked against the grade rules), its
inspections (a failed checklist line opens a repair record) and repairs (assigned, with a
deadline, closed only with evidence); every change one audited writer job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.audit.log import AuditLog
from anfang.core.errors import DomainError
from anfang.core.writer import WriteContext, Writer
from anfang.store.base import utcnow
from anfang.store.models import Site
from anfang.subsystems.physical import rules
from anfang.subsystems.physical.models import PhysicalInspection, PhysicalItem, PhysicalRepair
from anfang.subsystems.physical.schemas import (
    FindingOut,
    InspectionIn,
    ItemIn,
    ItemOut,
    RepairIn,
    RepairUpdate,
)

T = TypeVar("T")


class PhysicalPlatform(Protocol):
    """What the service needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...


class PhysicalError(DomainError):
    """A refused request."""


def item_out(row: PhysicalItem, open_repairs: int = 0) -> ItemOut:
    """An item with its findings."""
    found = rules.check(
        rules.Item(row.kind, row.height_m, tuple(row.anti_climb), row.bar_gap_cm, row.low_rails,
                   row.locking)
    )  # fmt: skip
    out = ItemOut.model_validate(row)
    out.findings = [
        FindingOut(rule=f.rule, message=f.message, mandatory=f.mandatory) for f in found
    ]
    out.compliant = not any(f.mandatory for f in found)
    out.open_repairs = open_repairs
    return out


async def write(
    platform: PhysicalPlatform,
    actor: str,
    action: str,
    fn: Callable[[WriteContext], tuple[T, str, Any]],
) -> T:
    """Run ``fn`` in the writer and audit ``action`` on its target."""
    return await audited(platform, actor, action, fn, error=PhysicalError)


def _get(session: Session, model: type[Any], ident: int, what: str) -> Any:
    row = session.get(model, ident)
    if row is None:
        raise PhysicalError(f"no {what} {ident}", 404)
    return row


async def save_item(
    platform: PhysicalPlatform, actor: str, data: ItemIn, ident: int | None = None
) -> PhysicalItem:
    """Add or replace an inventory item (no checklist given: the kind's default one)."""

    def fn(ctx: WriteContext) -> tuple[PhysicalItem, str, Any]:
        fields = data.model_dump()
        fields["checklist"] = fields["checklist"] or list(
            rules.DEFAULT_CHECKLIST.get(data.kind, ())
        )
        if ident is None:
            sid = ctx.session.scalar(select(Site.id).order_by(Site.id).limit(1))
            if sid is None:
                raise PhysicalError("no site yet: import the site file first", 409)
            row = PhysicalItem(site_id=sid, status="ok", **fields)
            ctx.session.add(row)
            ctx.session.flush()
        else:
            row = _get(ctx.session, PhysicalItem, ident, "item")
            for k, v in fields.items():
                setattr(row, k, v)
        return row, f"physical_item:{row.id}", data.model_dump(mode="json")

    return await write(platform, actor, "physical.item_save", fn)


def open_repair(
    ctx: WriteContext, *, item: PhysicalItem | None, source: str, ref: str, description: str,
    by: str, days: int = 7, photo: str | None = None,
) -> PhysicalRepair:  # fmt: skip
    """Open a repair record (inside the caller's job); the item is marked damaged."""
    now = utcnow()
    row = PhysicalRepair(
        item_id=item.id if item else None, source=source, source_ref=ref[:64],
        description=description[:500], photo=photo, opened_at=now, opened_by=by[:64],
        deadline=now + timedelta(days=days), state="open", overdue_alerted=False,
    )  # fmt: skip
    ctx.session.add(row)
    if item is not None:
        item.status = "damaged"
    ctx.session.flush()
    return row


async def inspect(platform: PhysicalPlatform, actor: str, data: InspectionIn) -> PhysicalInspection:
    """Record an inspection; a failed line opens a repair record naming the failures."""

    def fn(ctx: WriteContext) -> tuple[PhysicalInspection, str, Any]:
        item = _get(ctx.session, PhysicalItem, data.item_id, "item")
        failed = [r for r in data.results if not r.ok]
        row = PhysicalInspection(
            item_id=item.id, at=data.at or utcnow(), inspector=actor[:64],
            results=[r.model_dump() for r in data.results], passed=not failed,
        )  # fmt: skip
        ctx.session.add(row)
        ctx.session.flush()
        if failed:
            what = "；".join(f"{r.check}{'：' + r.note if r.note else ''}" for r in failed)
            repair = open_repair(
                ctx, item=item, source="inspection", ref=f"inspection:{row.id}",
                description=f"巡查未通过：{what}", by=actor, days=data.deadline_days,
            )  # fmt: skip
            row.repair_id = repair.id
        return row, f"physical_item:{item.id}", {"passed": row.passed, "failed": len(failed)}

    return await write(platform, actor, "physical.inspect", fn)


async def add_repair(platform: PhysicalPlatform, actor: str, data: RepairIn) -> PhysicalRepair:
    """Open a repair record by hand."""

    def fn(ctx: WriteContext) -> tuple[PhysicalRepair, str, Any]:
        item = _get(ctx.session, PhysicalItem, data.item_id, "item") if data.item_id else None
        row = open_repair(
            ctx, item=item, source="manual", ref="", description=data.description, by=actor
        )
        row.assignee, row.deadline = data.assignee, data.deadline
        return row, f"physical_repair:{row.id}", data.model_dump(mode="json")

    return await write(platform, actor, "physical.repair_open", fn)


async def update_repair(
    platform: PhysicalPlatform, actor: str, ident: int, data: RepairUpdate
) -> PhysicalRepair:
    """Assign, reschedule or close a repair; closing needs evidence."""

    def fn(ctx: WriteContext) -> tuple[PhysicalRepair, str, Any]:
        row = _get(ctx.session, PhysicalRepair, ident, "repair")
        if row.state == "closed":
            raise PhysicalError(f"repair {ident} is closed", 409)
        if data.assignee is not None:
            row.assignee = data.assignee
        if data.deadline is not None:
            row.deadline, row.overdue_alerted = data.deadline, False
        if data.state == "closed":
            if not (data.evidence or "").strip():
                raise PhysicalError("closing a repair needs evidence (what was done)", 422)
            row.state, row.closed_at, row.closed_by = "closed", utcnow(), actor[:64]
            row.evidence = data.evidence or ""
            _settle(ctx.session, row.item_id)
        elif data.state is not None:
            row.state = data.state
        return row, f"physical_repair:{ident}", data.model_dump(mode="json", exclude_none=True)

    return await write(platform, actor, "physical.repair_update", fn)


def _settle(session: Session, item_id: int | None) -> None:
    """An item whose last open repair closed is whole again."""
    if item_id is None:
        return
    left = session.scalar(
        select(func.count())
        .select_from(PhysicalRepair)
        .where(PhysicalRepair.item_id == item_id, PhysicalRepair.state != "closed")
    )
    item = session.get(PhysicalItem, item_id)
    if item is not None and not left:
        item.status = "ok"
