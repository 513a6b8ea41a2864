"""GA/T 1400 subscriptions made by an upper view library: it subscribes to faces (12) or
motor vehicles (13) and anfang notifies its ``ReceiveAddr`` instead of pushing. Accepted,
replaced and cancelled here (audited); the links read the live ones."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.uplink.adapters.ga1400 import CHINA
from anfang.uplink.models import UpperPlatform, ViidSubscription

if TYPE_CHECKING:
    from anfang.audit.jobs import AuditedPlatform

KINDS = {"12": "face", "13": "vehicle"}


def upper_of(s: Session, user: str) -> UpperPlatform | None:
    """The enabled GA/T 1400 upper whose ID is ``user``."""
    return s.scalar(
        select(UpperPlatform).where(
            UpperPlatform.protocol == "ga1400",
            UpperPlatform.server_id == user,
            UpperPlatform.enabled.is_(True),
        )
    )


def _time(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y%m%d%H%M%S").replace(tzinfo=CHINA)
    except ValueError:
        return None


def _problem(obj: Any) -> str:
    if not isinstance(obj, dict):
        return "not an object"
    sid = str(obj.get("SubscribeID", ""))
    if not sid or len(sid) > 64:
        return "SubscribeID missing or longer than 64"
    details = set(str(obj.get("SubscribeDetail", "")).split(","))
    if not details & set(KINDS):
        return "SubscribeDetail names neither faces (12) nor motor vehicles (13)"
    url = urlsplit(str(obj.get("ReceiveAddr", "")))
    if url.scheme not in ("http", "https") or not url.hostname or url.username:
        return "ReceiveAddr is not an http(s) address"
    return ""


async def subscribe(
    platform: AuditedPlatform, upper: UpperPlatform, objects: list[Any]
) -> list[tuple[str, int, str]]:
    """Take subscriptions (OperateType 1 cancels one); (SubscribeID, code, text) each."""
    out: list[tuple[str, int, str]] = []
    for obj in objects:
        sid = str(obj.get("SubscribeID", "")) if isinstance(obj, dict) else ""
        problem = _problem(obj)
        if problem:
            out.append((sid, 4, problem))
            continue
        cancel = str(obj.get("OperateType", "0")) == "1"
        await _store(platform, upper, obj, cancel)
        out.append((sid, 0, "OK"))
    return out


async def _store(
    platform: AuditedPlatform, upper: UpperPlatform, obj: dict[str, Any], cancel: bool
) -> None:
    sid = str(obj["SubscribeID"])

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        s = ctx.session
        row = s.scalar(
            select(ViidSubscription).where(
                ViidSubscription.platform_id == upper.id, ViidSubscription.subscribe_id == sid
            )
        )
        if cancel:
            if row is not None:
                s.delete(row)
        else:
            row = row or ViidSubscription(platform_id=upper.id, subscribe_id=sid)
            row.detail = str(obj["SubscribeDetail"])[:64]
            row.receive_addr = str(obj["ReceiveAddr"])[:500]
            row.begin_at, row.end_at = _time(obj.get("BeginTime")), _time(obj.get("EndTime"))
            row.created_at = utcnow()
            s.add(row)
        detail = {
            "subscribe_id": sid,
            "detail": obj.get("SubscribeDetail"),
            "cancel": cancel,
            "receive_addr": obj.get("ReceiveAddr"),
        }
        return None, f"uplink_platform:{upper.id}", detail

    actor = f"uplink:{upper.name}"
    await audited(platform, actor, "uplink.viid.subscribe", job)


def active(s: Session, pid: int, now: datetime) -> dict[str, list[tuple[str, str]]]:
    """Per record kind, the live subscriptions' (SubscribeID, ReceiveAddr)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in s.scalars(select(ViidSubscription).where(ViidSubscription.platform_id == pid)):
        if (row.begin_at and row.begin_at > now) or (row.end_at and row.end_at < now):
            continue
        for code in row.detail.split(","):
            if code in KINDS:
                out.setdefault(KINDS[code], []).append((row.subscribe_id, row.receive_addr))
    return out
