"""Car-park reads for the API and the console: configuration lists, each lot's state now
(inside by class, free places, overstays, unmatched exits), sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.subsystems.parking.models import (
    ParkingInvite,
    ParkingLane,
    ParkingLot,
    ParkingSession,
    ParkingVehicle,
)
from anfang.subsystems.parking.schemas import LotState, SessionOut


def lots(session: Session) -> list[ParkingLot]:
    """Every lot."""
    return list(session.scalars(select(ParkingLot).order_by(ParkingLot.code)))


def lanes(session: Session) -> list[ParkingLane]:
    """Every lane."""
    return list(session.scalars(select(ParkingLane).order_by(ParkingLane.device_code)))


def vehicles(session: Session, which: str | None, plate: str | None) -> list[ParkingVehicle]:
    """Listed vehicles, optionally of one list or plates containing ``plate``."""
    q = select(ParkingVehicle).order_by(ParkingVehicle.plate).limit(1000)
    if which is not None:
        q = q.where(ParkingVehicle.list == which)
    if plate:
        q = q.where(ParkingVehicle.plate.contains(plate.upper()))
    return list(session.scalars(q))


def invites(session: Session, now: datetime) -> list[ParkingInvite]:
    """Invitations not yet over."""
    q = select(ParkingInvite).where(ParkingInvite.valid_until >= now)
    return list(session.scalars(q.order_by(ParkingInvite.valid_from)))


def session_out(row: ParkingSession, now: datetime) -> SessionOut:
    """A session with its dwell (so far, while inside)."""
    out = SessionOut.model_validate(row)
    if row.entered_at is not None:
        end = row.exited_at or now
        out.dwell_s = round((end - row.entered_at).total_seconds(), 1)
    return out


def sessions(
    session: Session, now: datetime, state: str | None, plate: str | None, limit: int
) -> list[SessionOut]:
    """The latest sessions (by entry or exit), optionally of one state or plate."""
    q = select(ParkingSession).order_by(ParkingSession.id.desc()).limit(limit)
    if state is not None:
        q = q.where(ParkingSession.state == state)
    if plate:
        q = q.where(ParkingSession.plate.contains(plate.upper()))
    return [session_out(r, now) for r in session.scalars(q)]


def lot_states(session: Session, now: datetime) -> list[LotState]:
    """Every lot now."""
    out = []
    for lot in lots(session):
        by_class = {
            c: int(n)
            for c, n in session.execute(
                select(ParkingSession.vehicle_class, func.count())
                .where(ParkingSession.lot_id == lot.id, ParkingSession.state == "inside")
                .group_by(ParkingSession.vehicle_class)
            )
        }
        inside = sum(by_class.values())
        limit = now - timedelta(hours=lot.overstay_h)
        over = session.scalars(
            select(ParkingSession)
            .where(
                ParkingSession.lot_id == lot.id, ParkingSession.state == "inside",
                ParkingSession.vehicle_class != "resident", ParkingSession.entered_at < limit,
            )
            .order_by(ParkingSession.entered_at)
            .limit(50)
        )  # fmt: skip
        unmatched = session.scalars(
            select(ParkingSession)
            .where(ParkingSession.lot_id == lot.id, ParkingSession.state == "unmatched")
            .order_by(ParkingSession.id.desc())
            .limit(50)
        )
        out.append(
            LotState(
                id=lot.id, code=lot.code, name=lot.name, capacity=lot.capacity, inside=inside,
                by_class=by_class, free=max(lot.capacity - inside, 0) if lot.capacity else None,
                overstays=[session_out(r, now) for r in over],
                unmatched=[session_out(r, now) for r in unmatched],
            )
        )  # fmt: skip
    return out
