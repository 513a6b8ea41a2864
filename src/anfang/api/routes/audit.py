"""The audit log: read entries, verify the chain (auditors, police inspectors, admins)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from anfang.api.deps import Principal, SessionDep, get_platform, require
from anfang.audit import reading
from anfang.audit.verify import verify
from anfang.auth.rbac import Perm

router = APIRouter(tags=["audit"])


@router.get("/audit")
async def list_audit(
    request: Request,
    principal: Annotated[Principal, Depends(require(Perm.AUDIT_READ))],
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Entries newest first; reading the audit log is itself audited."""
    platform = get_platform(request)
    await platform.audit.record(
        principal.actor, "audit.read", "", {"actor": actor, "action": action, "before": before}
    )

    def q() -> dict[str, Any]:
        with platform.read_session() as s:
            return reading.page(s, actor=actor, action=action, before=before, limit=limit)

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
