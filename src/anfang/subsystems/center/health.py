"""Device health for the centre: every device's state and last contact, its availability
over the last days computed from its own ``device.offline`` / ``device.online`` events,
and per subsystem the devices online, offline or faulty and the alarms still open."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.core.alarm_rules import OPEN_STATES
from anfang.store.base import utcnow
from anfang.store.models import Alarm, Device, EventRow

STATE_KINDS = ("device.offline", "device.online")


def _downtime(
    changes: list[tuple[str, datetime]], since: datetime, now: datetime
) -> tuple[float, int]:
    """Seconds offline in [since, now] and the outages begun in it, from a device's
    offline/online events in time order (before the first one it is taken to have been
    in the opposite state of that first change)."""
    if not changes:
        return 0.0, 0
    down_from: datetime | None = since if changes[0][0] == "device.online" else None
    total, outages = 0.0, 0
    for kind, at in changes:
        if kind == "device.offline" and down_from is None:
            down_from, outages = at, outages + 1
        elif kind == "device.online" and down_from is not None:
            total += (at - down_from).total_seconds()
            down_from = None
    if down_from is not None:
        total += (now - down_from).total_seconds()
    return total, outages


def health(s: Session, days: int = 7) -> dict[str, Any]:
    """Devices with their availability over ``days``, and totals per subsystem."""
    now = utcnow()
    since = now - timedelta(days=days)
    changes: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for source, kind, at in s.execute(
        select(EventRow.source, EventRow.kind, EventRow.occurred_at)
        .where(EventRow.kind.in_(STATE_KINDS), EventRow.occurred_at >= since)
        .order_by(EventRow.occurred_at)
    ):
        changes[source].append((kind, at))
    span = (now - since).total_seconds()
    devices: list[dict[str, Any]] = []
    per: dict[str, dict[str, Any]] = {}
    for d in s.scalars(select(Device).order_by(Device.subsystem, Device.code)):
        down, outages = _downtime(changes.get(d.code, []), since, now)
        devices.append(
            {
                "code": d.code,
                "name": d.name,
                "type": d.type,
                "subsystem": d.subsystem,
                "state": d.state,
                "enabled": d.enabled,
                "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
                "availability": round(1 - down / span, 4),
                "outages": outages,
            }
        )
        t = per.setdefault(
            d.subsystem,
            {"subsystem": d.subsystem, "total": 0, "online": 0, "offline": 0, "fault": 0},
        )
        t["total"] += 1
        key = (
            d.state
            if d.state in ("online", "offline")
            else "fault"
            if d.state in ("fault", "tamper")
            else None
        )
        if key:
            t[key] += 1
    open_by_family: dict[str, int] = defaultdict(int)
    for kind, n in s.execute(
        select(Alarm.kind, func.count()).where(Alarm.state.in_(OPEN_STATES)).group_by(Alarm.kind)
    ):
        open_by_family[kind.split(".")[0]] += n
    for t in per.values():
        t["open_alarms"] = open_by_family.get(t["subsystem"], 0)
    return {
        "days": days,
        "devices": devices,
        "by_subsystem": sorted(per.values(), key=lambda t: t["subsystem"]),
    }
