"""The trial-run report (GA 308: faults, false and missed alarms with dates, causes and
fixes), generated from the system's own records of the trial period."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.alarm_rules import FALSE_CAUSES
from anfang.store.models import Alarm, EventRow

FAULT_KINDS = (
    "device.offline",
    "device.fault",
    "device.tamper",
    "video.loss",
    "video.tamper",
    "home_alarm.comm_fail",
    "perimeter.comm_fail",
    "access.tamper",
)
RESTORE = {
    "device.offline": "device.online",
    "device.fault": "device.fault_restore",
    "device.tamper": "device.tamper_restore",
}
LISTED = 200


def report(s: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Faults (with when each was fixed), alarms by kind, false alarms with their causes."""
    events = s.execute(
        select(EventRow.occurred_at, EventRow.kind, EventRow.source)
        .where(
            EventRow.received_at >= start,
            EventRow.received_at < end,
            EventRow.kind.in_((*FAULT_KINDS, *RESTORE.values())),
        )
        .order_by(EventRow.occurred_at)
    ).all()
    faults: list[dict[str, Any]] = []
    open_: dict[tuple[str, str], dict[str, Any]] = {}
    for at, kind, source in events:
        if kind in FAULT_KINDS:
            f = {"at": at.isoformat(), "kind": kind, "device": source, "fixed_at": None}
            faults.append(f)
            open_[(source, kind)] = f
        else:
            fault = next((k for k, v in RESTORE.items() if v == kind), "")
            f2 = open_.pop((source, fault), None)
            if f2 is not None:
                f2["fixed_at"] = at.isoformat()
    alarms = s.execute(
        select(Alarm.created_at, Alarm.kind, Alarm.title, Alarm.state, Alarm.cause)
        .where(Alarm.created_at >= start, Alarm.created_at < end)
        .order_by(Alarm.created_at)
    ).all()
    false = [
        {
            "at": a.isoformat(),
            "kind": k,
            "title": t,
            "cause": FALSE_CAUSES.get(c or "unknown", ("原因不明",))[0],
        }
        for a, k, t, st, c in alarms
        if st == "false_alarm"
    ]
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": round((end - start).total_seconds() / 86400, 1),
        "alarms": len(alarms),
        "alarms_by_kind": dict(Counter(k for _, k, *_ in alarms).most_common(20)),
        "false_alarms": len(false),
        "false_by_cause": dict(Counter(f["cause"] for f in false)),
        "false_list": false[:LISTED],
        "faults": len(faults),
        "faults_fixed": sum(1 for f in faults if f["fixed_at"]),
        "fault_list": faults[:LISTED],
        "missed_alarms": "系统无法自行发现漏报；试运行期间的漏报须由值班人员登记后补入本报告",
    }


def text(r: dict[str, Any]) -> str:
    """The report in words (the document's body)."""
    lines = [
        f"试运行期间：{r['start'][:10]} 至 {r['end'][:10]}，共 {r['days']} 天。",
        f"报警 {r['alarms']} 起，其中误报 {r['false_alarms']} 起；"
        f"设备故障 {r['faults']} 次，已修复 {r['faults_fixed']} 次。",
    ]
    if r["false_by_cause"]:
        lines.append(
            "误报原因：" + "，".join(f"{k} {v} 起" for k, v in r["false_by_cause"].items()) + "。"
        )
    for f in r["fault_list"][:50]:
        fixed = f"，{f['fixed_at'][:16]} 修复" if f["fixed_at"] else "，未修复"
        lines.append(f"{f['at'][:16]} {f['device']} {f['kind']}{fixed}")
    lines.append(r["missed_alarms"] + "。")
    return "\n".join(lines)
