"""Read-side queries of the access API: the decision log, holders, credentials, passes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.store.models import Device, EventRow
from anfang.subsystems.access.models import AccessCredential, AccessHolder, AccessReader
from anfang.subsystems.access.models_passes import VisitorPass, VisitorPassUse


def rows(session: Session, model: Any) -> list[Any]:
    """Every row of ``model``, by id."""
    return list(session.scalars(select(model).order_by(model.id)))


def osdp_code(session: Session, device_id: int) -> str | None:
    """The code of ``device_id`` when it is an OSDP bus, else ``None``."""
    device = session.get(Device, device_id)
    return device.code if device is not None and device.protocol == "osdp" else None


def decision_log(
    session: Session,
    kinds: list[str],
    *,
    limit: int,
    before: str | None,
    after: str | None,
    door_id: int | None,
) -> list[dict[str, Any]]:
    """Decisions and door events newest first, before or after an event id, at one door."""
    q = select(EventRow).where(EventRow.kind.in_(kinds)).order_by(EventRow.id.desc()).limit(limit)
    if before is not None:
        q = q.where(EventRow.id < before)
    if after is not None:
        q = q.where(EventRow.id > after)
    if door_id is not None:
        devices = select(AccessReader.device_id).where(AccessReader.door_id == door_id)
        q = q.where(EventRow.device_id.in_(devices))
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "source": e.source,
            "occurred_at": e.occurred_at,
            "payload": e.payload,
        }
        for e in session.scalars(q)
    ]


def holders(session: Session, limit: int, offset: int) -> list[AccessHolder]:
    """Holders by id, one page."""
    q = select(AccessHolder).order_by(AccessHolder.id).limit(limit).offset(offset)
    return list(session.scalars(q))


def credentials(session: Session, holder_id: int | None) -> list[AccessCredential]:
    """Credentials by id, optionally of one holder."""
    q = select(AccessCredential).order_by(AccessCredential.id)
    if holder_id is not None:
        q = q.where(AccessCredential.holder_id == holder_id)
    return list(session.scalars(q))


def passes(session: Session, *, household_id: int | None, limit: int) -> list[VisitorPass]:
    """Visitor passes newest first, optionally of one household."""
    q = select(VisitorPass).order_by(VisitorPass.id.desc()).limit(limit)
    if household_id is not None:
        q = q.where(VisitorPass.household_id == household_id)
    return list(session.scalars(q))


def pass_uses(session: Session, pass_id: str) -> list[VisitorPassUse]:
    """Every presentation of a pass, oldest first."""
    q = select(VisitorPassUse).where(VisitorPassUse.pass_id == pass_id)
    return list(session.scalars(q.order_by(VisitorPassUse.id)))
