"""Anti-passback state writes, inside the writer jobs that need them: a grant notes the
holder's direction in the area; an operator's forgive clears it (audited).

Both run on the writer thread, serialised with decisions, and keep the directory's cached
state in step with the transaction (undone when it rolls back).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from anfang.core.writer import WriteContext
from anfang.subsystems.access import rules
from anfang.subsystems.access.directory import Directory, Reader
from anfang.subsystems.access.errors import AccessError
from anfang.subsystems.access.models import AccessHolder, AccessPassback

if TYPE_CHECKING:
    from anfang.subsystems.access.host import AccessHost


def note(
    directory: Directory,
    ctx: WriteContext,
    door: rules.Door,
    reader: Reader,
    d: rules.Decision,
    now: datetime,
) -> None:
    """Record the direction a granted holder passed ``door`` (when the door has passback)."""
    if door.anti_passback == "off" or d.holder_id is None:
        return
    key = (d.holder_id, door.area)
    row = ctx.session.get(AccessPassback, key)
    if row is None:
        ctx.session.add(AccessPassback(holder_id=key[0], area=key[1], direction="", at=now))
        row = ctx.session.get(AccessPassback, key)
    assert row is not None
    row.direction, row.at = reader.direction, now
    ctx.session.flush()
    before = directory.passback.get(key)
    directory.passback[key] = (reader.direction, now)

    def undo() -> None:  # the job rolled back: so does the cached direction
        if before is None:
            directory.passback.pop(key, None)
        else:
            directory.passback[key] = before

    ctx.session.info.setdefault("on_rollback", []).append(undo)


def forgive(
    svc: AccessHost,
    ctx: WriteContext,
    holder_id: int,
    area: str | None,
    actor: str,
    reason: str,
) -> int:
    """Clear a holder's passback rows (one area or all) and audit it; the rows cleared."""
    if ctx.session.get(AccessHolder, holder_id) is None:
        raise AccessError(f"no holder {holder_id}", 404)
    q = select(AccessPassback).where(AccessPassback.holder_id == holder_id)
    if area is not None:
        q = q.where(AccessPassback.area == area)
    rows = list(ctx.session.scalars(q))
    cleared = {(r.holder_id, r.area): (r.direction, r.at) for r in rows}
    for r in rows:
        ctx.session.delete(r)
    ctx.session.flush()
    detail = {"reason": reason, "area": area, "cleared": sorted(a for _, a in cleared)}
    svc.platform.audit.append(
        ctx, actor, "access.passback.forgive", f"access_holder:{holder_id}", detail
    )
    for key in cleared:
        svc.directory.passback.pop(key, None)

    def undo() -> None:
        svc.directory.passback.update(cleared)

    ctx.session.info.setdefault("on_rollback", []).append(undo)
    return len(rows)
