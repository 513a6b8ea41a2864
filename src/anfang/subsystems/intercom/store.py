"""The intercom's reads and writes: devices, households, the call log and snapshots."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.errors import DomainError
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Building, Device, Household, Unit
from anfang.subsystems.intercom.models import CallOut, IntercomCall

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
KINDS = ("door_station", "indoor_monitor")
SNAPSHOT_DIR = Path("intercom") / "snapshots"


@dataclass(frozen=True, slots=True)
class Station:
    """An intercom device as the registrar knows it."""

    code: str
    kind: str
    site_id: int
    unit_id: int | None
    household_id: int | None
    secret: str = field(default="", repr=False)  # the digest password; empty: none asked


def load_station(platform: Kernel, code: str) -> Station | None:
    """The enabled intercom device ``code`` (blocking), or None."""
    with platform.read_session() as s:
        d = s.scalar(
            select(Device).where(
                Device.code == code,
                Device.subsystem == "intercom",
                Device.type.in_(KINDS),
                Device.enabled.is_(True),
            )
        )
        if d is None:
            return None
        hh = (d.meta or {}).get("household_id")
        household = hh if isinstance(hh, int) else None
        return Station(d.code, d.type, d.site_id, d.unit_id, household, d.secret or "")


def find_household(platform: Kernel, station: Station, dialed: str) -> int | None:
    """The household a door station dialled (blocking): a room of its unit, or
    ``<building>-<unit>-<room>`` of its site."""
    if not dialed or len(dialed) > 64:
        return None
    with platform.read_session() as s:
        if station.unit_id is not None and "-" not in dialed:
            return s.scalar(
                select(Household.id).where(
                    Household.unit_id == station.unit_id, Household.room == dialed
                )
            )
        parts = dialed.split("-")
        if len(parts) != 3:
            return None
        return s.scalar(
            select(Household.id)
            .join(Unit, Unit.id == Household.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(
                Building.site_id == station.site_id,
                Building.code == parts[0],
                Unit.code == parts[1],
                Household.room == parts[2],
            )
        )


def _event(kind: str, station: str, payload: dict[str, Any]) -> Event:
    return Event.create(kind, station, payload=payload)


async def start_call(
    platform: Kernel,
    call_id: str,
    sip_call_id: str,
    station: Station,
    dialed: str,
    household: int,
    monitor: str,
) -> None:
    """Log a new ringing call and emit ``intercom.call``."""

    def job(ctx: WriteContext) -> None:
        ctx.session.add(
            IntercomCall(
                id=call_id,
                sip_call_id=sip_call_id[:200],
                door_station=station.code,
                dialed=dialed,
                household_id=household,
                monitor=monitor,
                state="ringing",
                end_reason="",
                started_at=utcnow(),
                snapshot_bytes=0,
            )
        )
        payload = {"call": call_id, "household_id": household, "dialed": dialed}
        ctx.emit(_event("intercom.call", station.code, payload))

    await platform.writer.run(job)


async def log_unreached(
    platform: Kernel, station: Station, dialed: str, household: int, sip_call_id: str
) -> None:
    """Log a call no monitor could take (none registered) and emit ``intercom.missed``."""
    call_id = Event.create("intercom.missed", station.code).id
    now = utcnow()

    def job(ctx: WriteContext) -> None:
        ctx.session.add(
            IntercomCall(
                id=call_id,
                sip_call_id=sip_call_id[:200],
                door_station=station.code,
                dialed=dialed,
                household_id=household,
                state="missed",
                end_reason="no_monitor",
                started_at=now,
                ended_at=now,
                snapshot_bytes=0,
            )
        )
        payload = {"call": call_id, "household_id": household, "reason": "no_monitor"}
        ctx.emit(_event("intercom.missed", station.code, payload))

    await platform.writer.run(job)


async def update_call(
    platform: Kernel, call_id: str, *, kind: str | None = None, **fields: Any
) -> None:
    """Change a logged call; emit ``kind`` (``intercom.denied``…) when given."""

    def job(ctx: WriteContext) -> None:
        row = ctx.session.get(IntercomCall, call_id)
        if row is None:
            return
        for k, v in fields.items():
            setattr(row, k, v)
        if kind is not None:
            payload = {"call": call_id, "household_id": row.household_id, "state": row.state}
            if row.end_reason:
                payload["reason"] = row.end_reason
            ctx.emit(_event(kind, row.door_station, payload))

    await platform.writer.run(job)


async def mark_unlocked(
    platform: Kernel, call_id: str | None, station: str, by: str, reason: str | None
) -> None:
    """Record that ``station`` opened (for a call, or on an operator's order)."""

    def job(ctx: WriteContext) -> None:
        row = ctx.session.get(IntercomCall, call_id) if call_id else None
        if row is not None:
            row.unlocked_at, row.unlocked_by = utcnow(), by[:64]
            if row.ended_at is None:  # a call already over keeps its final state
                row.state = "unlocked"
        payload: dict[str, Any] = {"call": call_id, "by": by}
        if reason:
            payload["reason"] = reason
        if row is not None:
            payload["household_id"] = row.household_id
        ctx.emit(_event("intercom.unlock", station, payload))

    await platform.writer.run(job)


async def close_interrupted(platform: Kernel) -> int:
    """End the calls a stop or crash left open (``interrupted``); returns how many."""

    def job(ctx: WriteContext) -> int:
        rows = ctx.session.scalars(select(IntercomCall).where(IntercomCall.ended_at.is_(None)))
        n = 0
        for row in rows:
            row.state = "missed" if row.state == "ringing" else "ended"
            row.end_reason, row.ended_at, n = "interrupted", utcnow(), n + 1
        return n

    return await platform.writer.run(job)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)


async def save_snapshot(platform: Kernel, call_id: str, jpeg: bytes) -> None:
    """Store the visitor's JPEG under the data dir and point the call at it."""
    rel = SNAPSHOT_DIR / utcnow().strftime("%Y%m%d") / f"{call_id}.jpg"
    await asyncio.to_thread(_write, platform.settings.data_dir / rel, jpeg)
    await update_call(platform, call_id, snapshot_path=rel.as_posix(), snapshot_bytes=len(jpeg))


def read_snapshot(platform: Kernel, row: IntercomCall) -> bytes | None:
    """The call's JPEG (blocking), or None when there is none or it is gone."""
    if not row.snapshot_path:
        return None
    root = platform.settings.data_dir.resolve()
    path = (root / row.snapshot_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path.read_bytes()


def call_out(row: IntercomCall) -> CallOut:
    """A logged call as the API shows it."""
    return CallOut(
        id=row.id,
        door_station=row.door_station,
        dialed=row.dialed,
        household_id=row.household_id,
        monitor=row.monitor,
        state=row.state,
        end_reason=row.end_reason,
        started_at=row.started_at,
        answered_at=row.answered_at,
        unlocked_at=row.unlocked_at,
        unlocked_by=row.unlocked_by,
        ended_at=row.ended_at,
        has_snapshot=bool(row.snapshot_path),
    )


class CallNotFound(DomainError):
    """No intercom call with that id."""

    status = 404


def list_calls(
    session: Session,
    household_id: int | None,
    door_station: str | None,
    state: str | None,
    limit: int,
) -> list[CallOut]:
    """The call log newest first, filtered."""
    q = select(IntercomCall).order_by(IntercomCall.started_at.desc()).limit(limit)
    if household_id is not None:
        q = q.where(IntercomCall.household_id == household_id)
    if door_station is not None:
        q = q.where(IntercomCall.door_station == door_station)
    if state is not None:
        q = q.where(IntercomCall.state == state)
    return [call_out(r) for r in session.scalars(q)]


def get_call(session: Session, call_id: str) -> IntercomCall:
    """One call; raises :class:`CallNotFound`."""
    row = session.get(IntercomCall, call_id)
    if row is None:
        raise CallNotFound(f"no intercom call {call_id}")
    return row
