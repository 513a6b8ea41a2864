"""What the video subsystem states for the compliance checker: the retention configured and
actually held per recording camera, and how long alarm → video linkage took."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.core.facts import Fact, Value, least
from anfang.store.models import Alarm, Device
from anfang.subsystems.video.models import AlarmMedia, Camera, Segment

WINDOW = timedelta(days=30)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def facts(s: Session, now: datetime) -> Mapping[str, Fact]:
    """``video.cameras``, ``video.retention_days``, ``video.retention_held_days`` (per camera
    code) and ``video.linkage_delay_s`` (p95 of the last 30 days' alarm snapshots)."""
    cams = s.execute(
        select(Device.code, Camera.id, Camera.retention_days)
        .join(Device, Device.id == Camera.device_id)
        .where(Camera.record.is_(True), Device.enabled.is_(True))
    ).all()
    oldest = dict(
        s.execute(
            select(Segment.camera_id, func.min(Segment.start_at)).group_by(Segment.camera_id)
        ).all()
    )
    configured: dict[str, Value] = {code: days for code, _, days in cams}
    held: dict[str, Value] = {}
    for code, cid, _ in cams:
        first = oldest.get(cid)
        held[code] = round((now - first).total_seconds() / 86400, 1) if first else 0.0
    out = {
        "video.cameras": Fact(len(cams), f"{len(cams)} 路摄像机开启录像"),
        "video.retention_days": Fact(
            least(configured),
            "各录像摄像机的保存天数设置（取最短）",
            configured,
        ),
        "video.retention_held_days": Fact(
            least(held),
            "各摄像机最早一段录像距今的天数（取最短）",
            held,
        ),
    }
    delays = [
        (made - raised).total_seconds()
        for made, raised in s.execute(
            select(AlarmMedia.created_at, Alarm.created_at)
            .join(Alarm, Alarm.id == AlarmMedia.alarm_id)
            .where(AlarmMedia.kind == "snapshot", Alarm.created_at >= now - WINDOW)
        )
    ]
    if delays:
        out["video.linkage_delay_s"] = Fact(
            round(_p95(delays), 2),
            f"近30天 {len(delays)} 次报警联动抓图，报警至图像就绪 p95 {_p95(delays):.2f} 秒，"
            f"最长 {max(delays):.2f} 秒",
        )
    return out
