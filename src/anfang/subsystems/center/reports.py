"""The monitoring centre's daily and monthly report: alarms by hour or day, kind and zone;
response and handling times; the false-alarm rate and its causes; devices and their
outages; access, visitor, car-park and patrol activity. Computed from the records alone."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.core import kinds
from anfang.core.alarm_rules import CLOSED_STATES, DISPOSITIONS, FALSE_CAUSES
from anfang.core.alarms import AlarmEngine
from anfang.store.models import Device, EventRow, Zone
from anfang.subsystems.center.history import HistoryFilter, matching

Period = Literal["day", "month"]
# Activity the report counts: label → (zh, en, kind).
ACTIVITY: dict[str, tuple[str, str, str]] = {
    "access_granted": ("通行（放行）", "Access granted", "access.granted"),
    "access_denied": ("通行（拒绝）", "Access denied", "access.denied"),
    "visitor_calls": ("访客呼叫", "Visitor calls", "intercom.call"),
    "parking_entries": ("车辆入场", "Car entries", "parking.entry"),
    "parking_exits": ("车辆出场", "Car exits", "parking.exit"),
    "patrol_checkins": ("巡更打卡", "Patrol check-ins", "patrol.checkpoint"),
    "device_offline": ("设备离线", "Devices offline", "device.offline"),
}


def window(period: Period, day: date, tz: ZoneInfo) -> tuple[datetime, datetime, list[datetime]]:
    """The period's start and end (aware, local midnight) and its bucket starts."""
    if period == "day":
        start = datetime.combine(day, time(), tz)
        return start, start + timedelta(days=1), [start + timedelta(hours=h) for h in range(24)]
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    days = (nxt - first).days
    start = datetime.combine(first, time(), tz)
    buckets = [datetime.combine(first + timedelta(days=i), time(), tz) for i in range(days)]
    return start, datetime.combine(nxt, time(), tz), buckets


def _stats(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"count": 0, "mean_s": None, "p50_s": None, "p90_s": None, "max_s": None}
    xs = sorted(seconds)

    def pct(p: float) -> float:
        return round(xs[min(len(xs) - 1, int(p * len(xs)))], 1)

    return {
        "count": len(xs),
        "mean_s": round(sum(xs) / len(xs), 1),
        "p50_s": pct(0.5),
        "p90_s": pct(0.9),
        "max_s": round(xs[-1], 1),
    }


def summary(s: Session, engine: AlarmEngine, period: Period, day: date) -> dict[str, Any]:
    """The report of the day or month that holds ``day`` (site time)."""
    tz = engine.tz
    start, end, buckets = window(period, day, tz)
    alarms = matching(s, engine, HistoryFilter(since=start, until=end))
    fmt = "%H:00" if period == "day" else "%m-%d"
    per: dict[str, Counter[str]] = {b.strftime(fmt): Counter() for b in buckets}
    for a in alarms:
        per.setdefault(a.created_at.astimezone(tz).strftime(fmt), Counter())[
            a.disposition or "-"
        ] += 1
    closed = [a for a in alarms if a.state in CLOSED_STATES]
    false = [a for a in closed if a.disposition == "false"]
    zones = {z.id: f"{z.code} {z.name}" for z in s.scalars(select(Zone))}
    device_zone = {i: z for i, z in s.execute(select(Device.id, Device.zone_id))}
    by_zone: Counter[str] = Counter()
    for a in alarms:
        zid = a.zone_id if a.zone_id is not None else device_zone.get(a.device_id or -1)
        by_zone[zones.get(zid or -1, "—")] += 1
    return {
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "totals": {
            "alarms": len(alarms),
            "closed": len(closed),
            "open": len(alarms) - len(closed),
            "false": len(false),
            "false_rate": round(len(false) / len(closed), 3) if closed else None,
            "escalated": sum(1 for a in alarms if a.escalation_level > 0),
        },
        "by_time": [
            {"label": k, "count": sum(c.values()), "false": c.get("false", 0)}
            for k, c in per.items()
        ],
        "by_kind": _named_kinds(Counter(a.kind for a in alarms)),
        "by_zone": [{"zone": k, "count": n} for k, n in by_zone.most_common()],
        "by_priority": [
            {"priority": p, "count": n}
            for p, n in sorted(Counter(a.priority for a in alarms).items())
        ],
        "response": _stats(
            [(a.acked_at - a.created_at).total_seconds() for a in alarms if a.acked_at]
        ),
        "handling": _stats(
            [(a.closed_at - a.created_at).total_seconds() for a in closed if a.closed_at]
        ),
        "dispositions": [
            {
                "code": k,
                "zh": v[1],
                "en": v[2],
                "count": sum(1 for a in closed if a.disposition == k),
            }
            for k, v in DISPOSITIONS.items()
        ],
        "causes": [
            {"code": k, "zh": v[0], "en": v[1], "count": n}
            for k, v in FALSE_CAUSES.items()
            if (n := sum(1 for a in false if a.cause == k))
        ],
        "devices": _devices(s, start, end),
        "activity": _activity(s, start, end),
    }


def _named_kinds(counts: Counter[str]) -> list[dict[str, Any]]:
    out = []
    for kind, n in counts.most_common():
        try:
            zh, en = kinds.get(kind).zh, kinds.get(kind).en
        except kinds.UnknownEventKind:  # a kind no longer registered: its name is all we have
            zh = en = kind
        out.append({"kind": kind, "zh": zh, "en": en, "count": n})
    return out


def _devices(s: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    rows = s.execute(
        select(Device.type, Device.state, func.count()).group_by(Device.type, Device.state)
    )
    types: dict[str, dict[str, Any]] = {}
    for dtype, dstate, n in rows:
        t = types.setdefault(dtype, {"type": dtype, "total": 0, "online": 0, "offline_events": 0})
        t["total"] += n
        if dstate == "online":
            t["online"] += n
    outages = s.execute(
        select(Device.type, func.count())
        .select_from(EventRow)
        .join(Device, Device.code == EventRow.source)
        .where(
            EventRow.kind == "device.offline",
            EventRow.occurred_at >= start,
            EventRow.occurred_at < end,
        )
        .group_by(Device.type)
    )
    for dtype, n in outages:
        if dtype in types:
            types[dtype]["offline_events"] = n
    for t in types.values():
        t["availability"] = round(t["online"] / t["total"], 3) if t["total"] else None
    return sorted(types.values(), key=lambda t: t["type"])


def _activity(s: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    wanted = [v[2] for v in ACTIVITY.values()]
    rows = s.execute(
        select(EventRow.kind, func.count())
        .where(EventRow.kind.in_(wanted), EventRow.occurred_at >= start, EventRow.occurred_at < end)
        .group_by(EventRow.kind)
    )
    counts = {kind: n for kind, n in rows}
    return [
        {"code": k, "zh": zh, "en": en, "count": int(counts.get(kind, 0))}
        for k, (zh, en, kind) in ACTIVITY.items()
    ]
