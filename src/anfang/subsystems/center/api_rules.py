"""Linkage rules (read: ``alarms.read``; edit: ``alarm_definitions.write``): list with
their problems, create, replace (a new version), delete, versions, dry run."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.subsystems.center import rules as svc
from anfang.subsystems.center.schemas import DryRun, RuleIn, RuleOut

router = APIRouter(prefix="/center/rules", tags=["center"])
Reader = Annotated[Principal, Depends(require(Perm.ALARMS_READ))]
Editor = Annotated[Principal, Depends(require(Perm.ALARM_DEFS_WRITE))]


@router.get("", response_model=list[RuleOut])
def list_rules(_: Reader, session: SessionDep, platform: PlatformDep) -> list[RuleOut]:
    """Every rule, each with what is wrong with it now (a device deleted since, an action
    this installation cannot carry out)."""
    return svc.listing(session, platform.linkage.handles)


@router.post("", response_model=RuleOut, status_code=201)
async def create_rule(data: RuleIn, who: Editor, platform: PlatformDep) -> RuleOut:
    """Create a rule: refused (422 with a ``code``) when no event kind matches it, it names
    a device, zone or building that does not exist, an action lacks what it needs, or it
    would set off itself through other rules (``rule_loop``)."""
    row = await svc.save(platform, platform.secrets, who.actor, data)
    return await asyncio.to_thread(svc.rule_by_id, platform, row.id)


@router.put("/{rule_id}", response_model=RuleOut)
async def replace_rule(rule_id: DbId, data: RuleIn, who: Editor, platform: PlatformDep) -> RuleOut:
    """Replace a rule (its version goes up; the one before is kept)."""
    await svc.save(platform, platform.secrets, who.actor, data, rule_id)
    return await asyncio.to_thread(svc.rule_by_id, platform, rule_id)


@router.delete("/{rule_id}", status_code=204, response_class=Response)
async def delete_rule(rule_id: DbId, who: Editor, platform: PlatformDep) -> Response:
    """Delete a rule (audited; its versions stay)."""
    await svc.delete(platform, who.actor, rule_id)
    return Response(status_code=204)


@router.get("/{rule_id}/versions")
def rule_versions(rule_id: DbId, _: Reader, session: SessionDep) -> list[dict[str, Any]]:
    """A rule's saved versions, newest first."""
    return svc.versions(session, rule_id)


@router.post("/dry-run", response_model=DryRun)
def dry_run(data: RuleIn, _: Editor, session: SessionDep, platform: PlatformDep) -> DryRun:
    """Which of the last day's events the rule would have fired on; nothing is done."""
    return svc.dry_run(session, platform, data)
