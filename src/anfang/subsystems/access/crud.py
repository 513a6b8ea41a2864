"""Configuration edits: one audited writer job each, and the access cache reloads after."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anfang.core.errors import integrity_message
from anfang.core.writer import WriteContext
from anfang.store.base import Base
from anfang.store.models import Resident
from anfang.subsystems.access.directory import TOPIC
from anfang.subsystems.access.errors import AccessError
from anfang.subsystems.access.models import (
    AccessCredential,
    AccessGroupMember,
    AccessHolder,
    AccessRule,
)

if TYPE_CHECKING:
    from anfang.kernel import Kernel

T = TypeVar("T")
M = TypeVar("M", bound=Base)


def need(session: Session, model: type[Base], ident: int | None, field: str) -> None:
    """Raise 422 naming ``field`` when ``ident`` is set but no such row exists."""
    if ident is not None and session.get(model, ident) is None:
        raise AccessError(f"{field}: no such record {ident}", 422)


def get_or_404(session: Session, model: type[M], ident: int, what: str) -> M:
    """The row or a 404."""
    row = session.get(model, ident)
    if row is None:
        raise AccessError(f"no {what} {ident}", 404)
    return row


async def write(
    platform: Kernel,
    actor: str,
    action: str,
    fn: Callable[[Session], tuple[T, str, dict[str, Any]]],
) -> T:
    """Run ``fn`` in the writer, audit ``action`` on the target it names, reload the cache."""

    def job(ctx: WriteContext) -> T:
        out, target, detail = fn(ctx.session)
        ctx.session.flush()
        platform.audit.append(ctx, actor, action, target, detail)
        ctx.mark_changed(TOPIC)
        return out

    try:
        return await platform.writer.run(job)
    except IntegrityError as exc:  # a unique key taken (or a race past the checks)
        raise AccessError(integrity_message(exc), 409) from exc


def set_groups(session: Session, holder_id: int, group_ids: list[int]) -> None:
    """Replace a holder's group memberships."""
    from anfang.subsystems.access.models import AccessGroup

    for gid in group_ids:
        need(session, AccessGroup, gid, "group_ids")
    session.execute(delete(AccessGroupMember).where(AccessGroupMember.holder_id == holder_id))
    for gid in sorted(set(group_ids)):
        session.add(AccessGroupMember(group_id=gid, holder_id=holder_id))


def groups_of(session: Session, holder_ids: list[int]) -> dict[int, list[int]]:
    """Group ids per holder."""
    out: dict[int, list[int]] = {h: [] for h in holder_ids}
    rows = session.execute(
        select(AccessGroupMember.holder_id, AccessGroupMember.group_id).where(
            AccessGroupMember.holder_id.in_(holder_ids)
        )
    )
    for h, g in rows:
        out.setdefault(h, []).append(g)
    return out


def import_residents(session: Session, group_id: int | None) -> int:
    """Make a holder of every resident without one (optionally into ``group_id``)."""
    have = set(
        session.scalars(
            select(AccessHolder.resident_id).where(AccessHolder.resident_id.is_not(None))
        )
    )
    made = 0
    for r in session.scalars(select(Resident).order_by(Resident.id)):
        if r.id in have:
            continue
        holder = AccessHolder(kind="resident", name=r.name, resident_id=r.id, phone=r.phone)
        session.add(holder)
        session.flush()
        if group_id is not None:
            session.add(AccessGroupMember(group_id=group_id, holder_id=holder.id))
        made += 1
    return made


def credential_taken(session: Session, kind: str, value: str) -> bool:
    """Whether a credential of ``kind`` with ``value`` is issued already."""
    taken = select(AccessCredential.id).where(
        AccessCredential.kind == kind, AccessCredential.value == value
    )
    return session.scalar(taken) is not None


def drop_rule(session: Session, group_id: int, door_id: int) -> None:
    """Remove the rule of ``group_id`` at ``door_id``, if there is one."""
    session.execute(
        delete(AccessRule).where(AccessRule.group_id == group_id, AccessRule.door_id == door_id)
    )
