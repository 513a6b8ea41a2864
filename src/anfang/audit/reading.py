"""Reading the audit log: pages newest first, filtered by actor and action."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.log import entry_json
from anfang.store.models import AuditEntry


def page(
    session: Session, *, actor: str | None, action: str | None, before: int | None, limit: int
) -> dict[str, Any]:
    """One page of entries newest first, with ``next_before`` to page on from."""
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit + 1)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if before:
        stmt = stmt.where(AuditEntry.seq < before)
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [entry_json(e) for e in rows],
        "next_before": rows[-1].seq if more and rows else None,
    }
