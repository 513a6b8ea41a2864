"""Car-park configuration and the operator's actions, each one audited writer job: lots,
lanes, the white and black lists, visitor invitations; confirming that an unmatched exit
was a misread of a vehicle inside; opening a barrier by hand (with a reason)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.audit.log import AuditLog
from anfang.core.capabilities import DOOR_OPENER, Capabilities
from anfang.core.errors import DomainError
from anfang.core.writer import Writer
from anfang.store.base import Base, utcnow
from anfang.store.models import Site
from anfang.subsystems.parking.models import (
    ParkingInvite,
    ParkingLane,
    ParkingLot,
    ParkingSession,
    ParkingVehicle,
)
from anfang.subsystems.parking.reads import TOPIC
from anfang.subsystems.parking.schemas import InviteIn

T = TypeVar("T")
M = TypeVar("M", bound=Base)


class ParkingPlatform(Protocol):
    """What the car-park service needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def capabilities(self) -> Capabilities: ...


class ParkingError(DomainError):
    """A refused car-park request."""


def get_or_404(session: Session, model: type[M], ident: int, what: str) -> M:
    """The row or a 404."""
    row = session.get(model, ident)
    if row is None:
        raise ParkingError(f"no {what} {ident}", 404)
    return row


async def write(
    platform: ParkingPlatform, actor: str, action: str, fn: Callable[[Session], tuple[T, str, Any]]
) -> T:
    """Run ``fn`` in the writer, audit ``action`` on its target, reload the read hook."""
    return await audited(
        platform, actor, action, lambda ctx: fn(ctx.session), topic=TOPIC, error=ParkingError
    )


Record = ParkingLot | ParkingLane | ParkingVehicle
_WHAT: dict[type[Base], str] = {ParkingLot: "lot", ParkingLane: "lane", ParkingVehicle: "vehicle"}


async def save(
    platform: ParkingPlatform, actor: str, model: type[Record], data: BaseModel,
    ident: int | None = None,
) -> Record:  # fmt: skip
    """Add (``ident`` None) or replace a lot, lane or listed vehicle."""
    what = _WHAT[model]
    fields = data.model_dump()

    def fn(session: Session) -> tuple[Record, str, Any]:
        if "lot_id" in fields:
            get_or_404(session, ParkingLot, fields["lot_id"], "lot")
        if ident is None:
            if model is ParkingLot:
                sid = session.scalar(select(Site.id).order_by(Site.id).limit(1))
                if sid is None:
                    raise ParkingError("no site yet: import the site file first", 409)
                fields["site_id"] = sid
            row = model(**fields)
            session.add(row)
            session.flush()
        else:
            row = get_or_404(session, model, ident, what)
            for key, value in fields.items():
                setattr(row, key, value)
        return row, f"parking_{what}:{row.id}", data.model_dump(mode="json")

    verb = "create" if ident is None else "update"
    return await write(platform, actor, f"parking.{what}_{verb}", fn)


async def remove(platform: ParkingPlatform, actor: str, model: type[Record], ident: int) -> None:
    """Delete a lane or a listed vehicle (a lot with sessions stays: its history)."""
    what = _WHAT[model]

    def fn(session: Session) -> tuple[None, str, Any]:
        row = get_or_404(session, model, ident, what)
        if (
            isinstance(row, ParkingLot)
            and session.scalars(
                select(ParkingSession.id).where(ParkingSession.lot_id == ident).limit(1)
            ).first()
        ):
            raise ParkingError("the lot has parking sessions on record", 409)
        session.delete(row)
        return None, f"parking_{what}:{ident}", {}

    await write(platform, actor, f"parking.{what}_delete", fn)


async def invite(platform: ParkingPlatform, actor: str, data: InviteIn) -> ParkingInvite:
    """Let a visitor vehicle in for a time."""

    def fn(session: Session) -> tuple[ParkingInvite, str, Any]:
        row = ParkingInvite(**data.model_dump(), created_by=actor[:64], revoked=False)
        session.add(row)
        session.flush()
        return row, f"parking_invite:{row.id}", data.model_dump(mode="json")

    return await write(platform, actor, "parking.invite", fn)


async def revoke(platform: ParkingPlatform, actor: str, ident: int) -> ParkingInvite:
    """Withdraw an invitation."""

    def fn(session: Session) -> tuple[ParkingInvite, str, Any]:
        row = get_or_404(session, ParkingInvite, ident, "invitation")
        row.revoked = True
        return row, f"parking_invite:{ident}", {"plate": row.plate}

    return await write(platform, actor, "parking.invite_revoke", fn)


async def confirm_match(
    platform: ParkingPlatform, actor: str, unmatched_id: int, inside_id: int
) -> ParkingSession:
    """An operator confirms that an unmatched exit was the vehicle ``inside_id`` misread:
    the stay is closed with the exit's time, the unmatched record folded into it."""

    def fn(session: Session) -> tuple[ParkingSession, str, Any]:
        exit_row = get_or_404(session, ParkingSession, unmatched_id, "session")
        stay = get_or_404(session, ParkingSession, inside_id, "session")
        if exit_row.state != "unmatched":
            raise ParkingError(f"session {unmatched_id} is not an unmatched exit", 409)
        if stay.state != "inside" or stay.lot_id != exit_row.lot_id:
            raise ParkingError(f"session {inside_id} is not a stay inside the same lot", 409)
        stay.state, stay.match = "left", "confirmed"
        stay.exit_event, stay.exited_at = exit_row.exit_event, exit_row.exited_at
        stay.exit_plate = exit_row.exit_plate
        session.delete(exit_row)
        detail = {"read": exit_row.exit_plate, "vehicle": stay.plate, "at": utcnow().isoformat()}
        return stay, f"parking_session:{inside_id}", detail

    return await write(platform, actor, "parking.match_confirm", fn)


async def manual_open(platform: ParkingPlatform, actor: str, lane_id: int, reason: str) -> str:
    """Open a lane's barrier by hand (audited by access control as a remote open)."""

    def fn(session: Session) -> tuple[str, str, Any]:
        lane = get_or_404(session, ParkingLane, lane_id, "lane")
        if not lane.barrier:
            raise ParkingError(f"lane {lane.device_code} has no barrier configured", 409)
        return lane.barrier, f"parking_lane:{lane_id}", {"reason": reason}

    barrier = await write(platform, actor, "parking.manual_open", fn)
    opener = platform.capabilities.get(DOOR_OPENER)
    if opener is None:
        raise ParkingError("access control is not running: the barrier cannot be opened", 503)
    return await opener.open_door(barrier, actor, f"车场人工开闸：{reason}")
