"""Rectification orders: a police inspector issues one with a deadline, the property company
answers with evidence, the inspector closes it (or sends it back). An order still open past
its deadline raises ``compliance.order_overdue`` once (an alarm)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.compliance import lifecycle, service
from anfang.compliance.lifecycle import Refused
from anfang.compliance.models import Answer, Order
from anfang.compliance.schemas import AnswerOut, OrderIn, OrderOut
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow

if TYPE_CHECKING:
    from anfang.audit.jobs import AuditedPlatform


def _out(o: Order, answers: list[Answer], now: datetime) -> OrderOut:
    return OrderOut(
        id=o.id,
        title=o.title,
        detail=o.detail,
        rule_id=o.rule_id,
        deadline=o.deadline,
        state=o.state,
        issued_at=o.issued_at,
        issued_by=o.issued_by,
        closed_at=o.closed_at,
        closed_by=o.closed_by,
        overdue=o.state != "closed" and o.deadline < now,
        answers=[AnswerOut.model_validate(a, from_attributes=True) for a in answers],
    )


def listing(s: Session, state: str | None = None) -> list[OrderOut]:
    """Orders (newest first) with their answers."""
    q = select(Order).order_by(Order.id.desc())
    if state is not None:
        q = q.where(Order.state == state)
    orders = list(s.scalars(q.limit(500)))
    by: dict[int, list[Answer]] = {}
    if orders:
        for a in s.scalars(
            select(Answer).where(Answer.order_id.in_([o.id for o in orders])).order_by(Answer.id)
        ):
            by.setdefault(a.order_id, []).append(a)
    now = utcnow()
    return [_out(o, by.get(o.id, []), now) for o in orders]


def one(s: Session, order_id: int) -> OrderOut:
    """One order with its answers."""
    o = s.get(Order, order_id)
    if o is None:
        raise service.NotFound(f"no rectification order {order_id}")
    answers = list(s.scalars(select(Answer).where(Answer.order_id == order_id).order_by(Answer.id)))
    return _out(o, answers, utcnow())


async def issue(platform: AuditedPlatform, actor: str, data: OrderIn) -> int:
    """Issue an order (a deadline in the past is refused)."""
    if data.deadline <= utcnow():
        raise Refused(
            "deadline_past",
            "the deadline must be in the future",
            deadline=data.deadline.isoformat(),
        )

    def job(ctx: WriteContext) -> tuple[int, str, Any]:
        o = Order(
            title=data.title,
            detail=data.detail,
            rule_id=data.rule_id,
            deadline=data.deadline,
            issued_at=utcnow(),
            issued_by=actor,
        )
        ctx.session.add(o)
        ctx.session.flush()
        return o.id, f"compliance_order:{o.id}", data.model_dump(mode="json")

    return await audited(platform, actor, "compliance.order_issue", job, topic=service.TOPIC)


async def answer(
    platform: AuditedPlatform, actor: str, order_id: int, text: str, files: list[dict[str, Any]]
) -> int:
    """The property company answers with evidence; the order becomes ``answered``."""

    def job(ctx: WriteContext) -> tuple[int, str, Any]:
        o = ctx.session.get(Order, order_id)
        if o is None:
            raise service.NotFound(f"no rectification order {order_id}")
        if o.state == "closed":
            raise Refused("order_closed", f"order {order_id} is closed", order=order_id)
        a = Answer(order_id=o.id, text=text, attachments=files, at=utcnow(), actor=actor)
        ctx.session.add(a)
        o.state = "answered"
        ctx.session.flush()
        return (
            a.id,
            f"compliance_order:{o.id}",
            {"answer": a.id, "attachments": [f["sha256"] for f in files]},
        )

    return await audited(platform, actor, "compliance.order_answer", job, topic=service.TOPIC)


async def decide(
    platform: AuditedPlatform, actor: str, order_id: int, close: bool, note: str
) -> None:
    """The inspector closes an answered order, or sends it back open with a note."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        o = ctx.session.get(Order, order_id)
        if o is None:
            raise service.NotFound(f"no rectification order {order_id}")
        if close and o.state != "answered":
            raise Refused(
                "not_answered",
                "an order is closed once the property company answered it",
                state=o.state,
            )
        if o.state == "closed":
            raise Refused("order_closed", f"order {order_id} is closed", order=order_id)
        if note:
            ctx.session.add(
                Answer(order_id=o.id, text=note, attachments=[], at=utcnow(), actor=actor)
            )
        o.state = "closed" if close else "open"
        if close:
            o.closed_at, o.closed_by = utcnow(), actor
        return None, f"compliance_order:{o.id}", {"state": o.state, "note": note}

    await audited(platform, actor, "compliance.order_decide", job, topic=service.TOPIC)


def raise_due(ctx: WriteContext) -> int:
    """Emit ``compliance.order_overdue`` for orders newly past their deadline, and
    ``compliance.registration_due`` once the registration with the police is overdue."""
    now = utcnow()
    rows = ctx.session.scalars(
        select(Order).where(
            Order.state != "closed", Order.deadline < now, Order.overdue_alerted.is_(False)
        )
    ).all()
    for o in rows:
        ctx.emit(
            Event.create(
                "compliance.order_overdue",
                f"compliance-order-{o.id}",
                payload={
                    "order": o.id,
                    "title": o.title,
                    "deadline": o.deadline.isoformat(),
                    "issued_by": o.issued_by,
                },
                idempotency_key=f"compliance:order:{o.id}:overdue",
            )
        )
        o.overdue_alerted = True
    due = lifecycle.registration_due(service.project(ctx.session), now)
    if due is not None and due[1]:
        ctx.emit(
            Event.create(
                "compliance.registration_due",
                "compliance-registration",
                payload={"due": due[0].isoformat()},
                idempotency_key=f"compliance:registration:{due[0].date().isoformat()}",
            )
        )
    return len(rows)
