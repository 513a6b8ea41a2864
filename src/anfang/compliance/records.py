"""Records rules: how long each type of record is kept. The minimum of each type is fixed
(with its source); a community may keep records longer, never shorter. The policy is
offered to the other parts as ``core.capabilities.RETENTION`` (the video retention sweep
and the cameras' settings respect it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.compliance.lifecycle import Refused
from anfang.compliance.models import RetentionSetting
from anfang.core.capabilities import RetentionPolicy
from anfang.core.facts import Fact
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow

if TYPE_CHECKING:
    from anfang.audit.jobs import AuditedPlatform

TOPIC = "compliance.retention"


@dataclass(frozen=True)
class RecordType:
    """A type of record, its minimum and where the minimum comes from."""

    key: str
    zh: str
    minimum: int
    source: str


TYPES: dict[str, RecordType] = {
    t.key: t
    for t in (
        RecordType(
            "video", "视频图像", 30, "公共安全视频图像信息系统管理条例（国务院令第799号，转述）"
        ),
        RecordType("alarm", "报警记录", 90, "DB11/T 2552（北京，非住宅，转述）"),
        RecordType("access", "出入口记录", 180, "DB11/T 2552（北京，非住宅，转述）"),
        RecordType("patrol", "巡查记录", 90, "DB11/T 2552（北京，非住宅，转述）"),
        RecordType("logs", "操作、设置与故障日志", 30, "重庆市技防管理要求（转述）"),
    )
}


class Policy:
    """The retention in force per record type (a writer hook keeps it current)."""

    def __init__(self) -> None:
        self._days: dict[str, int] = {}

    def days(self, record_type: str) -> int | None:
        """The days records of this type are kept at least (its minimum unless set longer)."""
        t = TYPES.get(record_type)
        if t is None:
            return None
        return max(t.minimum, self._days.get(record_type, 0))

    def load(self, session: Session) -> None:
        """Read the configured days."""
        self._days = {r.record_type: r.days for r in session.scalars(select(RetentionSetting))}

    def prepare(self, ctx: WriteContext, events: list[Any]) -> list[Any]:
        """Nothing to add."""
        return []

    def after_insert(self, ctx: WriteContext, events: list[Any]) -> None:
        """Nothing to do per event."""

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload after a change."""
        if TOPIC in topics:
            self.load(ctx.session)


def listing(
    s: Session, policy: RetentionPolicy, held: dict[str, float | None]
) -> list[dict[str, Any]]:
    """Every record type: its minimum and source, the days in force, how long is held."""
    rows = {r.record_type: r for r in s.scalars(select(RetentionSetting))}
    return [
        {
            "record_type": t.key, "name": t.zh, "minimum_days": t.minimum, "source": t.source,
            "days": policy.days(t.key), "held_days": held.get(t.key),
            "updated_at": rows[t.key].updated_at.isoformat() if t.key in rows else None,
            "updated_by": rows[t.key].updated_by if t.key in rows else "",
        }
        for t in TYPES.values()
    ]  # fmt: skip


async def set_days(platform: AuditedPlatform, actor: str, record_type: str, days: int) -> None:
    """Keep ``record_type`` for ``days`` (refused below its minimum; audited)."""
    t = TYPES.get(record_type)
    if t is None:
        raise Refused(
            "unknown_record_type", f"no record type {record_type!r}", record_type=record_type
        )
    if days < t.minimum:
        raise Refused("below_minimum", f"{t.key} records are kept at least {t.minimum} days",
                      record_type=t.zh, minimum=t.minimum)  # fmt: skip

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        row = ctx.session.get(RetentionSetting, record_type) or RetentionSetting(
            record_type=record_type
        )
        old = row.days
        row.days, row.updated_at, row.updated_by = days, utcnow(), actor
        ctx.session.add(row)
        return None, f"retention:{record_type}", {"days": days, "before": old}

    await audited(platform, actor, "compliance.retention", job, topic=TOPIC)


def held(s: Session, now: datetime) -> dict[str, float | None]:
    """How many days of each record type are actually held (the oldest record's age)."""
    from sqlalchemy import func

    from anfang.store.models import Alarm, AuditEntry, EventRow

    def age(at: datetime | None) -> float | None:
        return None if at is None else round((now - at).total_seconds() / 86400, 1)

    def oldest_event(prefix: str) -> datetime | None:
        q = select(func.min(EventRow.received_at)).where(
            EventRow.kind >= f"{prefix}.", EventRow.kind < f"{prefix}/"
        )
        return s.scalar(q)

    return {
        "alarm": age(s.scalar(select(func.min(Alarm.created_at)))),
        "access": age(oldest_event("access")),
        "patrol": age(oldest_event("patrol")),
        "logs": age(s.scalar(select(func.min(AuditEntry.at)))),
    }


def fact_source(policy: RetentionPolicy) -> Callable[[Session, datetime], Mapping[str, Fact]]:
    """The checker's facts of each record type: the days kept by rule and the days held
    (anfang deletes no alarm, event or audit entry; video is the recorder's)."""

    def facts(s: Session, now: datetime) -> Mapping[str, Fact]:
        out: dict[str, Fact] = {}
        for key, days in held(s, now).items():
            t = TYPES[key]
            kept = policy.days(key)
            out[f"records.{key}.days"] = Fact(
                kept, f"{t.zh}保存 {kept} 天（最短 {t.minimum} 天，{t.source}）"
            )
            out[f"records.{key}.held_days"] = Fact(
                days, f"最早一条{t.zh}距今 {days} 天" if days is not None else f"尚无{t.zh}"
            )
        return out

    return facts
