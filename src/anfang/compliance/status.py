"""The operating status the police supervise: uptime per subsystem over the last 30 days,
faults and work orders open, alarms handled within their time, rectification progress,
and the biometric data held with its consent and retention (personal-information law)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.compliance.models import Document, Order, WorkOrder
from anfang.face.models import FacePerson, FaceTemplate
from anfang.store.models import Alarm, AlarmDefinition, Device, EventRow

WINDOW = timedelta(days=30)


def uptime(s: Session, now: datetime) -> list[dict[str, Any]]:
    """Per subsystem: devices, online now, and availability over the window (from the
    devices' offline and online events)."""
    start = now - WINDOW
    devices = s.execute(
        select(Device.code, Device.subsystem, Device.state).where(Device.enabled.is_(True))
    ).all()
    down: dict[str, float] = defaultdict(float)
    since: dict[str, datetime] = {}
    rows = s.execute(
        select(EventRow.source, EventRow.kind, EventRow.occurred_at)
        .where(
            EventRow.kind.in_(("device.offline", "device.online")), EventRow.received_at >= start
        )
        .order_by(EventRow.occurred_at)
    )
    for code, kind, at in rows:
        if kind == "device.offline":
            since.setdefault(code, max(at, start))
        elif code in since:
            down[code] += (at - since.pop(code)).total_seconds()
    for code, at in since.items():
        down[code] += (now - at).total_seconds()
    out: dict[str, dict[str, Any]] = {}
    for code, sub, state in devices:
        o = out.setdefault(sub, {"subsystem": sub, "devices": 0, "online": 0, "down_s": 0.0})
        o["devices"] += 1
        o["online"] += state == "online"
        o["down_s"] += down.get(code, 0.0)
    span = WINDOW.total_seconds()
    for o in out.values():
        o["availability"] = (
            round(1 - o.pop("down_s") / (span * o["devices"]), 4) if o["devices"] else None
        )
    return sorted(out.values(), key=lambda o: o["subsystem"])


def alarms_in_time(s: Session, now: datetime) -> dict[str, Any]:
    """Alarms of the window and how many were acknowledged within their definition's time."""
    rows = s.execute(
        select(Alarm.created_at, Alarm.acked_at, AlarmDefinition.ack_timeout_s)
        .join(AlarmDefinition, AlarmDefinition.id == Alarm.definition_id)
        .where(Alarm.created_at >= now - WINDOW)
    ).all()
    timed = [(c, a, t) for c, a, t in rows if t]
    ok = sum(1 for c, a, t in timed if a is not None and (a - c).total_seconds() <= t)
    return {
        "alarms": len(rows),
        "with_time_limit": len(timed),
        "in_time": ok,
        "share": round(ok / len(timed), 4) if timed else None,
    }


def overview(s: Session, now: datetime, capture_days: int) -> dict[str, Any]:
    """Everything the supervision page shows."""
    orders = dict(s.execute(select(Order.state, func.count()).group_by(Order.state)).all())
    overdue = s.scalar(
        select(func.count()).select_from(Order).where(Order.state != "closed", Order.deadline < now)
    )
    work = dict(s.execute(select(WorkOrder.state, func.count()).group_by(WorkOrder.state)).all())
    work_overdue = s.scalar(
        select(func.count())
        .select_from(WorkOrder)
        .where(WorkOrder.state != "closed", WorkOrder.due_at < now)
    )
    return {
        "generated_at": now.isoformat(),
        "uptime": uptime(s, now),
        "alarms": alarms_in_time(s, now),
        "devices_offline": s.scalar(
            select(func.count())
            .select_from(Device)
            .where(Device.enabled.is_(True), Device.state == "offline")
        ),
        "orders": {
            "open": orders.get("open", 0),
            "answered": orders.get("answered", 0),
            "closed": orders.get("closed", 0),
            "overdue": overdue or 0,
        },
        "work_orders": {
            "open": work.get("open", 0) + work.get("assigned", 0),
            "closed": work.get("closed", 0),
            "overdue": work_overdue or 0,
        },
        "biometrics": biometrics(s, capture_days),
    }


def biometrics(s: Session, capture_days: int) -> dict[str, Any]:
    """Faces held, on which consent basis, how long captures are kept, and the latest
    face-data impact assessment (PIPL art. 55-56), together."""
    people = s.scalar(select(func.count()).select_from(FacePerson)) or 0
    with_face = s.scalar(select(func.count(func.distinct(FaceTemplate.person_pk)))) or 0
    no_consent = (
        s.scalar(
            select(func.count())
            .select_from(FacePerson)
            .where(FacePerson.consent_given_at.is_(None))
        )
        or 0
    )
    basis = dict(
        s.execute(
            select(FacePerson.consent_basis, func.count()).group_by(FacePerson.consent_basis)
        ).all()
    )
    pia = s.scalar(
        select(Document)
        .where(Document.kind == "impact_assessment")
        .order_by(Document.id.desc())
        .limit(1)
    )
    return {
        "people": people,
        "with_face": with_face,
        "without_consent": no_consent,
        "consent_basis": {(k or "未记录"): v for k, v in basis.items()},
        "capture_retention_days": capture_days,
        "impact_assessment": None
        if pia is None
        else {
            "id": pia.id,
            "title": pia.title,
            "version": pia.version,
            "at": pia.created_at.isoformat(),
            "by": pia.created_by,
        },
    }
