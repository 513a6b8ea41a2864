"""Partitions and zones of alarm accounts: configuring them, and operators recording arm state.

DC-09 is a reporting protocol: a receiver cannot arm or disarm a panel through it. An
operator's arm/disarm is therefore a record (an event and an audit entry) for partitions
whose panel lets the centre keep their state (``operator_settable``), e.g. after the
household confirmed on the phone that it disarmed the panel itself.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Zone
from anfang.subsystems.home_alarm.models import (
    AlarmAccount,
    AlarmPartition,
    AlarmZone,
    ArmRequest,
    PartitionIn,
    PartitionOut,
    ZoneIn,
    ZoneOut,
    norm_number,
)
from anfang.subsystems.home_alarm.service import (
    AccountError,
    AccountPlatform,
    Conflict,
    Invalid,
    NotFound,
)
from anfang.subsystems.home_alarm.state import TOPIC


def _account(session: Session, account: str) -> AlarmAccount:
    row = session.scalar(select(AlarmAccount).where(AlarmAccount.account == account.upper()))
    if row is None:
        raise NotFound(f"no alarm account {account}")
    return row


def list_partitions(session: Session, account: str) -> list[PartitionOut]:
    """An account's partitions with their arm state."""
    acct = _account(session, account)
    rows = session.scalars(
        select(AlarmPartition)
        .where(AlarmPartition.account_id == acct.id)
        .order_by(AlarmPartition.partition)
    )
    return [PartitionOut.model_validate(r) for r in rows]


def list_zones(session: Session, account: str) -> list[ZoneOut]:
    """An account's configured zones."""
    acct = _account(session, account)
    rows = session.scalars(
        select(AlarmZone).where(AlarmZone.account_id == acct.id).order_by(AlarmZone.zone)
    )
    return [ZoneOut.model_validate(r) for r in rows]


async def put_partition(
    platform: AccountPlatform, actor: str, account: str, data: PartitionIn
) -> PartitionOut:
    """Create or rename a partition, or change whether operators may set it (audited)."""

    def job(ctx: WriteContext) -> PartitionOut:
        acct = _account(ctx.session, account)
        row = ctx.session.scalar(
            select(AlarmPartition).where(
                AlarmPartition.account_id == acct.id, AlarmPartition.partition == data.partition
            )
        )
        if row is None:
            row = AlarmPartition(account_id=acct.id, partition=data.partition, state="unknown")
            ctx.session.add(row)
        row.name = data.name
        row.operator_settable = data.operator_settable
        ctx.session.flush()
        platform.audit.append(
            ctx,
            actor,
            "alarm_partition.put",
            f"alarm_account:{acct.id}/partition:{data.partition}",
            data.model_dump(),
        )
        ctx.mark_changed(TOPIC)
        return PartitionOut.model_validate(row)

    return await platform.writer.run(job)


async def put_zone(platform: AccountPlatform, actor: str, account: str, data: ZoneIn) -> ZoneOut:
    """Create or update a zone's type, partition, room or site zone (audited)."""

    def job(ctx: WriteContext) -> ZoneOut:
        acct = _account(ctx.session, account)
        if data.site_zone_id is not None:
            if acct.kind != "perimeter":
                raise Invalid("site_zone_id: only perimeter accounts map to site zones")
            site_zone = ctx.session.get(Zone, data.site_zone_id)
            if site_zone is None:
                raise Invalid(f"site_zone_id: no zone {data.site_zone_id}")
            if site_zone.kind != "perimeter":
                raise Invalid(f"site_zone_id: zone {site_zone.code} is not a perimeter zone")
        row = ctx.session.scalar(
            select(AlarmZone).where(AlarmZone.account_id == acct.id, AlarmZone.zone == data.zone)
        )
        if row is None:
            row = AlarmZone(account_id=acct.id, zone=data.zone)
            ctx.session.add(row)
        for name, value in data.model_dump(exclude={"zone"}).items():
            setattr(row, name, value)
        ctx.session.flush()
        platform.audit.append(
            ctx,
            actor,
            "alarm_zone.put",
            f"alarm_account:{acct.id}/zone:{data.zone}",
            data.model_dump(),
        )
        ctx.mark_changed(TOPIC)
        return ZoneOut.model_validate(row)

    return await platform.writer.run(job)


async def set_arm_state(
    platform: AccountPlatform, actor: str, account: str, partition: str, req: ArmRequest
) -> PartitionOut:
    """Record an operator's arm/disarm of a partition that allows it (audited, an event).

    Raises :class:`Conflict` for a partition the panel keeps itself.
    """
    part = norm_number(partition)

    def job(ctx: WriteContext) -> PartitionOut:
        acct = _account(ctx.session, account)
        row = ctx.session.scalar(
            select(AlarmPartition).where(
                AlarmPartition.account_id == acct.id, AlarmPartition.partition == part
            )
        )
        if row is None:
            raise NotFound(f"alarm account {acct.account} has no partition {part}")
        if not row.operator_settable:
            raise Conflict(
                f"partition {part} of account {acct.account} is not operator-settable: its arm "
                "state follows the panel's opening/closing reports (DC-09 cannot send commands)"
            )
        prefix = "perimeter" if acct.kind == "perimeter" else "home_alarm"
        ev = Event.create(
            f"{prefix}.{req.state}",
            acct.device_code or f"SIA-{acct.account}",
            payload={
                "account": acct.account,
                "partition": part,
                "operator": actor,
                "note": req.note,
            },
        )
        ctx.emit(ev)  # the state hook applies it when the event is stored
        platform.audit.append(
            ctx,
            actor,
            f"alarm_partition.{'arm' if req.state == 'armed' else 'disarm'}",
            f"alarm_account:{acct.id}/partition:{part}",
            {"state": req.state, "note": req.note, "event_id": ev.id},
        )
        out = PartitionOut.model_validate(row)
        return out.model_copy(
            update={"state": req.state, "changed_at": utcnow(), "changed_by": actor}
        )

    return await platform.writer.run(job)


__all__ = [
    "AccountError",
    "list_partitions",
    "list_zones",
    "put_partition",
    "put_zone",
    "set_arm_state",
]
