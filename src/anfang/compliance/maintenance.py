"""Maintenance, the property company's duty: work orders opened by a writer hook in the
same transaction as the fault that calls for them (a device fault, an offline device,
video loss, a failed inspection), or by hand; assigned, closed with evidence, escalated
once per SLA period overdue; each device's history; the inventory's product data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.compliance import service
from anfang.compliance.lifecycle import Refused
from anfang.compliance.models import Product, WorkOrder
from anfang.compliance.schemas_maintenance import ProductIn, WorkOrderIn, WorkOrderOut
from anfang.core.events import Event
from anfang.core.facts import Fact, Value
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Device

if TYPE_CHECKING:
    from anfang.audit.jobs import AuditedPlatform

TOPIC = "maintenance"
# Priority → hours to fix (the SLA); 1 is the most urgent.
SLA_HOURS = {1: 4, 2: 24, 3: 72, 4: 168}
# Event kind → (source, priority, title)
OPENS: dict[str, tuple[str, int, str]] = {
    "device.offline": ("offline", 2, "设备离线"),
    "device.fault": ("fault", 2, "设备故障"),
    "device.tamper": ("fault", 1, "设备防拆报警"),
    "video.loss": ("video_loss", 2, "视频信号丢失"),
    "video.tamper": ("video_loss", 2, "视频遮挡/移位"),
    "home_alarm.comm_fail": ("offline", 2, "报警主机通信故障"),
    "perimeter.comm_fail": ("offline", 1, "周界主机通信故障"),
    "physical.inspection": ("inspection", 3, "实体防护巡查不合格"),
}


def _failed_inspection(ev: Event) -> bool:
    results = ev.payload.get("results")
    return isinstance(results, list) and any(
        isinstance(r, dict) and r.get("ok") is False for r in results
    )


class WorkOrderHook:
    """Opens a work order for each fault, unless one is already open for that device and cause."""

    def load(self, session: Session) -> None:
        """Nothing cached."""

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Nothing to add."""
        return []

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Nothing cached."""

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Open the work orders the stored events call for."""
        for ev in events:
            spec = OPENS.get(ev.kind)
            if spec is None or (ev.kind == "physical.inspection" and not _failed_inspection(ev)):
                continue
            source, priority, title = spec
            code = str(ev.payload.get("item") or ev.source)[:64]
            taken = ctx.session.scalar(
                select(WorkOrder.id)
                .where(
                    WorkOrder.device_code == code,
                    WorkOrder.source == source,
                    WorkOrder.state != "closed",
                )
                .limit(1)
            )
            if taken is not None:
                continue
            now = utcnow()
            ctx.session.add(
                WorkOrder(
                    device_code=code,
                    title=f"{title}：{code}",
                    source=source,
                    event_id=ev.id,
                    priority=priority,
                    opened_at=now,
                    opened_by="system",
                    due_at=now + timedelta(hours=SLA_HOURS[priority]),
                )
            )


def out(w: WorkOrder, now: datetime) -> WorkOrderOut:
    """A work order as the API shows it."""
    return WorkOrderOut.model_validate(
        {
            **{k: getattr(w, k) for k in WorkOrderOut.model_fields if hasattr(w, k)},
            "overdue": w.state != "closed" and w.due_at < now,
        }
    )


def listing(
    s: Session, state: str | None, device: str | None, limit: int = 500
) -> list[WorkOrderOut]:
    """Work orders, newest first."""
    q = select(WorkOrder).order_by(WorkOrder.id.desc())
    if state == "open":
        q = q.where(WorkOrder.state != "closed")
    elif state is not None:
        q = q.where(WorkOrder.state == state)
    if device is not None:
        q = q.where(WorkOrder.device_code == device)
    now = utcnow()
    return [out(w, now) for w in s.scalars(q.limit(limit))]


async def open_order(platform: AuditedPlatform, actor: str, data: WorkOrderIn) -> int:
    """Open a work order by hand."""

    def job(ctx: WriteContext) -> tuple[int, str, Any]:
        now = utcnow()
        w = WorkOrder(
            device_code=data.device_code,
            title=data.title,
            source="manual",
            priority=data.priority,
            opened_at=now,
            opened_by=actor,
            note=data.note,
            assignee=data.assignee,
            state="assigned" if data.assignee else "open",
            due_at=now + timedelta(hours=SLA_HOURS[data.priority]),
        )
        ctx.session.add(w)
        ctx.session.flush()
        return w.id, f"work_order:{w.id}", data.model_dump()

    return await audited(platform, actor, "maintenance.open", job, topic=TOPIC)


async def assign(platform: AuditedPlatform, actor: str, order_id: int, assignee: str) -> None:
    """Assign a work order to a maintainer."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        w = _get(ctx.session, order_id)
        w.assignee, w.state = assignee, "assigned"
        return None, f"work_order:{w.id}", {"assignee": assignee}

    await audited(platform, actor, "maintenance.assign", job, topic=TOPIC)


async def close(
    platform: AuditedPlatform, actor: str, order_id: int, note: str, files: list[dict[str, Any]]
) -> None:
    """Close a work order with its evidence (a note, and photos or other files)."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        w = _get(ctx.session, order_id)
        w.state, w.closed_at, w.closed_by = "closed", utcnow(), actor
        w.note = f"{w.note}\n{note}".strip()
        w.evidence = [*w.evidence, *files]
        return None, f"work_order:{w.id}", {"note": note, "evidence": [f["sha256"] for f in files]}

    await audited(platform, actor, "maintenance.close", job, topic=TOPIC)


def _get(s: Session, order_id: int) -> WorkOrder:
    w = s.get(WorkOrder, order_id)
    if w is None:
        raise service.NotFound(f"no work order {order_id}")
    if w.state == "closed":
        raise Refused("work_order_closed", f"work order {order_id} is closed", order=order_id)
    return w


def raise_overdue(ctx: WriteContext) -> int:
    """Escalate open work orders past their due time: one ``maintenance.overdue`` event per
    SLA period overdue (level 1, 2, …)."""
    now = utcnow()
    rows = ctx.session.scalars(
        select(WorkOrder).where(WorkOrder.state != "closed", WorkOrder.due_at < now)
    ).all()
    raised = 0
    for w in rows:
        period = timedelta(hours=SLA_HOURS.get(w.priority, 72))
        level = 1 + int((now - w.due_at) / period)
        if level <= w.escalations:
            continue
        w.escalations = level
        raised += 1
        ctx.emit(
            Event.create(
                "maintenance.overdue",
                f"work-order-{w.id}",
                payload={
                    "work_order": w.id,
                    "title": w.title,
                    "device": w.device_code,
                    "level": level,
                    "assignee": w.assignee,
                    "due_at": w.due_at.isoformat(),
                },
                idempotency_key=f"maintenance:{w.id}:overdue:{level}",
            )
        )
    return raised


def products(s: Session) -> dict[str, Product]:
    """Every device's product data by device code."""
    return {p.device_code: p for p in s.scalars(select(Product))}


async def set_product(platform: AuditedPlatform, actor: str, code: str, data: ProductIn) -> None:
    """Record a device's product data (audited)."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        row = ctx.session.get(Product, code) or Product(device_code=code)
        for k, v in data.model_dump().items():
            setattr(row, k, v)
        row.updated_at, row.updated_by = utcnow(), actor
        ctx.session.add(row)
        return None, f"device:{code}", data.model_dump()

    await audited(platform, actor, "maintenance.product", job, topic=TOPIC)


def fact_source(s: Session, _now: datetime) -> Mapping[str, Fact]:
    """The checker's ``inventory.complete``: per enabled device, whether its product data
    names the manufacturer, the model and the certification (CCC or test report)."""
    codes = list(s.scalars(select(Device.code).where(Device.enabled.is_(True))))
    known = products(s)
    items: dict[str, Value] = {}
    for code in codes:
        p = known.get(code)
        items[code] = p is not None and bool(p.manufacturer and p.model and p.certificate)
    done = sum(1 for v in items.values() if v)
    return {
        "inventory.complete": Fact(
            done, f"设备台账：{len(codes)} 台中 {done} 台产品信息完整", items
        )
    }
