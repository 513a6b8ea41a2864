"""The audit log: read entries, verify the chain (auditors, police inspectors, admins)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from anfang.api.deps import Principal, SessionDep, get_platform, require
from anfang.audit.log import entry_json
from anfang.audit.verify import verify
from anfang.auth.rbac import Perm
from anfang.store.models import AuditEntry

router = APIRouter(tags=["audit"])


@router.get("/audit")
async def list_audit(
    request: Request,
    principal: Annotated[Principal, Depends(require(Perm.AUDIT_READ))],
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Entries newest first; reading the audit log is itself audited."""
    platform = get_platform(request)
    await platform.audit.record(
        principal.actor, "audit.read", "", {"actor": actor, "action": action, "before": before}
    )

    def q() -> dict[str, Any]:
        with platform.read_session() as s:
            stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit + 1)
            if actor:
                stmt = stmt.where(AuditEntry.actor == actor)
            if action:
                stmt = stmt.where(AuditEntry.action == action)
            if before:
                stmt = stmt.where(AuditEntry.seq < before)
            rows = list(s.scalars(stmt))
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "items": [entry_json(e) for e in rows],
            "next_before": rows[-1].seq if more and rows else None,
        }

    return await asyncio.to_thread(q)


@router.post("/audit/verify")
async def verify_audit(
    request: Request,
    principal: Annotated[Principal, Depends(require(Perm.AUDIT_READ))],
    session: SessionDep,
) -> dict[str, Any]:
    """Verify the whole chain, its signed checkpoints and the outside anchor."""
    platform = get_platform(request)
    report = await asyncio.to_thread(
        verify, session, platform.audit.key.public_key(), platform.audit.anchor
    )
    await platform.audit.record(
        principal.actor, "audit.verify", "", {"ok": report.ok, "entries": report.entries}
    )
    return {
        "ok": report.ok,
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "first_bad_seq": report.first_bad_seq,
        "reason": report.reason,
    }
