"""The uplink's domain logic: upper platforms (audited), national IDs (assigned, unique,
editable), what each upper is shared, and the outbox's bookkeeping. No I/O beyond the
database; the agents that speak to the uppers are in ``adapters/`` and ``component``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.core.errors import DomainError
from anfang.core.secretbox import SecretBox
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Device
from anfang.uplink import ids
from anfang.uplink.adapters.gb28181 import CatalogItem
from anfang.uplink.models import NationalId, OutboxItem, UpperPlatform
from anfang.uplink.schemas import NationalIdOut, PlatformIn

if TYPE_CHECKING:
    from anfang.audit.jobs import AuditedPlatform

TOPIC = "uplink_platforms"


class UplinkRefused(DomainError):
    """A change to the uplink's settings refused (the message says why)."""


def password_purpose(platform_id: int) -> str:
    """The secret box purpose of an upper platform's password."""
    return f"uplink.platform.{platform_id}.password"


def password(box: SecretBox, row: UpperPlatform) -> str:
    """The upper's password in clear ("" when none is set)."""
    if not row.password_sealed:
        return ""
    return box.open(row.password_sealed, password_purpose(row.id)).decode()


def platforms(s: Session) -> list[UpperPlatform]:
    """Every upper platform, by name."""
    return list(s.scalars(select(UpperPlatform).order_by(UpperPlatform.name)))


async def save(
    platform: AuditedPlatform, box: SecretBox, actor: str, data: PlatformIn, pid: int | None = None
) -> int:
    """Create or change an upper platform (audited; the password never in the audit)."""

    def job(ctx: WriteContext) -> tuple[int, str, Any]:
        s = ctx.session
        now = utcnow()
        row = s.get(UpperPlatform, pid) if pid is not None else UpperPlatform(created_at=now)
        if row is None:
            raise UplinkRefused(f"no upper platform {pid}", 404)
        fields = data.model_dump(exclude={"password"})
        fields["realm"] = data.realm or data.server_id[:10]
        if data.protocol == "ga1400" and data.transport in ("udp", "tcp"):
            fields["transport"] = "http"
        if data.protocol == "gb28181" and data.transport in ("http", "https"):
            raise UplinkRefused("GB/T 28181 signalling runs over UDP or TCP", 422)
        for k, v in fields.items():
            setattr(row, k, v)
        row.updated_at, row.updated_by = now, actor
        if pid is None:
            s.add(row)
        s.flush()
        if data.password is not None:
            secret = data.password.get_secret_value().encode()
            row.password_sealed = box.seal(secret, password_purpose(row.id)) if secret else None
        ctx.mark_changed(TOPIC)
        detail = {**fields, "password_changed": data.password is not None}
        return row.id, f"uplink_platform:{row.id}", detail

    action = "uplink.platform.create" if pid is None else "uplink.platform.update"
    return await audited(platform, actor, action, job, error=UplinkRefused)


async def delete(platform: AuditedPlatform, actor: str, pid: int) -> None:
    """Remove an upper platform (its unsent outbox goes with it; audited with the count)."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        row = ctx.session.get(UpperPlatform, pid)
        if row is None:
            raise UplinkRefused(f"no upper platform {pid}", 404)
        queued = ctx.session.scalar(
            select(func.count()).where(OutboxItem.platform_id == pid, OutboxItem.state == "queued")
        )
        ctx.session.delete(row)
        ctx.mark_changed(TOPIC)
        return None, f"uplink_platform:{pid}", {"name": row.name, "unsent_discarded": queued}

    await audited(platform, actor, "uplink.platform.delete", job)


# --------------------------------------------------------------------------- national IDs


def assign_ids(ctx: WriteContext, centre: str) -> int:
    """Give every device of a shareable type without a national ID the next free one."""
    s = ctx.session
    missing = list(
        s.scalars(
            select(Device)
            .outerjoin(NationalId, NationalId.device_id == Device.id)
            .where(NationalId.device_id.is_(None), Device.type.in_(list(ids.TYPE_CODES)))
            .order_by(Device.id)
        )
    )
    if not missing:
        return 0
    taken = set(s.scalars(select(NationalId.national_id)))
    nxt: dict[str, int] = {}
    now = utcnow()
    for dev in missing:
        code = ids.TYPE_CODES[dev.type]
        seq = nxt.get(code, 1)
        while (nid := ids.make(centre, code, seq)) in taken:
            seq += 1
        nxt[code] = seq + 1
        taken.add(nid)
        s.add(NationalId(device_id=dev.id, national_id=nid, assigned_at=now))
    return len(missing)


def national_ids(s: Session) -> list[NationalIdOut]:
    """Every device with a national ID, by ID."""
    rows = s.execute(
        select(Device, NationalId.national_id)
        .join(NationalId, NationalId.device_id == Device.id)
        .order_by(NationalId.national_id)
    )
    return [
        NationalIdOut(
            device_id=d.id,
            code=d.code,
            name=d.name,
            type=d.type,
            national_id=n,
            type_code=n[10:13],
        )
        for d, n in rows
    ]


async def set_national_id(
    platform: AuditedPlatform, actor: str, device_id: int, value: str
) -> None:
    """Give a device the national ID the police assigned (unique; its type code must fit)."""
    ids.check(value)

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        s = ctx.session
        dev = s.get(Device, device_id)
        if dev is None:
            raise UplinkRefused(f"no device {device_id}", 404)
        want = ids.type_for(dev.type)
        if want is None:
            raise UplinkRefused(f"a {dev.type} is not shared upward", 422)
        if value[10:13] != want and not (
            want in ids.VIDEO_TYPES and value[10:13] in ids.VIDEO_TYPES
        ):
            raise UplinkRefused(
                f"type code {value[10:13]} does not fit a {dev.type} (expected {want})", 422
            )
        row = s.get(NationalId, device_id)
        old = row.national_id if row else None
        if row is None:
            s.add(
                NationalId(
                    device_id=device_id, national_id=value, assigned_at=utcnow(), assigned_by=actor
                )
            )
        else:
            row.national_id, row.assigned_at = value, utcnow()
            row.assigned_by = actor
        ctx.mark_changed(TOPIC)
        return None, f"device:{dev.code}", {"national_id": value, "was": old}

    await audited(platform, actor, "uplink.national_id.set", job, error=UplinkRefused)


def shared(s: Session, share: list[str]) -> list[tuple[Device, str]]:
    """The devices of the shared types with their national IDs, by ID."""
    return list(
        s.execute(
            select(Device, NationalId.national_id)
            .join(NationalId, NationalId.device_id == Device.id)
            .where(Device.type.in_(share), Device.enabled.is_(True))
            .order_by(NationalId.national_id)
        )
    )


def catalog_item(dev: Device, nid: str, parent: str, event: str = "") -> CatalogItem:
    """A shared device as a catalog item."""
    return CatalogItem(
        device_id=nid,
        name=dev.name,
        parent_id=parent,
        civil_code=nid[:6],
        online=dev.state != "offline",
        model=dev.type,
        address=dev.code,
        ptz_type=3 if dev.type in ("camera", "lpr_camera") else None,
        event=event,
    )


# --------------------------------------------------------------------------- outbox


def backlog(s: Session) -> dict[int, dict[str, Any]]:
    """Per upper platform: queued, the oldest queued time, sent and dropped counts, and
    the last success."""
    out: dict[int, dict[str, Any]] = {}
    rows = s.execute(
        select(
            OutboxItem.platform_id, OutboxItem.state, func.count(), func.min(OutboxItem.created_at)
        ).group_by(OutboxItem.platform_id, OutboxItem.state)
    )
    for pid, state, count, oldest in rows:
        entry = out.setdefault(
            pid, {"backlog": 0, "oldest_queued_at": None, "sent": 0, "dropped": 0}
        )
        if state == "queued":
            entry["backlog"], entry["oldest_queued_at"] = count, oldest
        elif state in ("sent", "dropped"):
            entry[state] = count
    for pid, last in s.execute(select(UpperPlatform.id, UpperPlatform.last_success_at)):
        blank = {"backlog": 0, "oldest_queued_at": None, "sent": 0, "dropped": 0}
        out.setdefault(pid, blank)["last_success_at"] = last
    return out


def queued(s: Session, pid: int, limit: int) -> list[OutboxItem]:
    """The oldest queued items of an upper, in order."""
    return list(
        s.scalars(
            select(OutboxItem)
            .where(OutboxItem.platform_id == pid, OutboxItem.state == "queued")
            .order_by(OutboxItem.id)
            .limit(limit)
        )
    )


def settle(ctx: WriteContext, pid: int, outcomes: dict[int, tuple[str, str]], at: datetime) -> None:
    """Record outcomes: item id → (state, error). "queued" counts a failed attempt."""
    s = ctx.session
    any_sent = False
    for item_id, (state, error) in outcomes.items():
        item = s.get(OutboxItem, item_id)
        if item is None:
            continue
        item.attempts += 1
        item.last_error = error[:500]
        item.state = state
        if state == "sent":
            item.sent_at, item.attachment, any_sent = at, None, True
        elif state == "dropped":
            item.attachment = None
    if any_sent:
        row = s.get(UpperPlatform, pid)
        if row is not None:
            row.last_success_at = at
