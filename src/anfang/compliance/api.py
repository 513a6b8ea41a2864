"""Compliance's API (read: ``compliance.read``; the property company's steps:
``compliance.manage``; the police's: ``compliance.inspect``): rules, the life cycle,
documents, change requests, rectification orders, checker reports and the operating status."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.compliance import lifecycle, orders, records, reports, rules, service, views
from anfang.compliance.schemas import (
    AnswerIn,
    ChangeIn,
    ChangeOut,
    DecisionIn,
    DocumentIn,
    DocumentOut,
    OrderIn,
    OrderOut,
    ProjectOut,
    ReportBrief,
    ReportIn,
    RetentionIn,
    StepIn,
    VerifyOut,
)

router = APIRouter(prefix="/compliance", tags=["compliance"])
Reader = Annotated[Principal, Depends(require(Perm.COMPLIANCE_READ))]
Manager = Annotated[Principal, Depends(require(Perm.COMPLIANCE_MANAGE))]
Inspector = Annotated[Principal, Depends(require(Perm.COMPLIANCE_INSPECT))]
MAX_VERIFY = 30 * 1024 * 1024


@router.get("/rules")
def rule_book(_: Reader) -> dict[str, Any]:
    """The rule book: every rule with its scope, requirement, strength, source and confidence."""
    return rules.shipped().model_dump(mode="json")


@router.get("/project", response_model=ProjectOut)
async def project(_: Reader, platform: PlatformDep) -> ProjectOut:
    """Where the project stands, its recorded steps, and how the site differs from the
    approved design."""
    return await views.project(platform)


@router.post("/project/steps", status_code=201)
async def take_step(data: StepIn, who: Reader, platform: PlatformDep) -> dict[str, int]:
    """Take a life-cycle step; the police's steps need ``compliance.inspect``, the others
    ``compliance.manage``. Refusals: 409 with ``code`` and ``params``."""
    side = lifecycle.ACTIONS[data.action][0]
    need = Perm.COMPLIANCE_INSPECT if side == "police" else Perm.COMPLIANCE_MANAGE
    if not who.may(need):
        raise HTTPException(403, f"{data.action} needs the permission {need}")
    files = await views.attachments(platform, data.document.attachments if data.document else [])
    sid = await service.take_step(platform, views.sources(platform), who.actor, side, data, files)
    return {"id": sid}


@router.get("/documents", response_model=list[DocumentOut])
def documents(
    _: Reader, s: SessionDep, kind: str | None = Query(None, max_length=32)
) -> list[DocumentOut]:
    """Every document version (newest first), optionally of one kind."""
    return views.documents(s, kind)


@router.post("/documents", response_model=DocumentOut, status_code=201)
async def add_document(data: DocumentIn, who: Manager, platform: PlatformDep) -> DocumentOut:
    """Store a document (the next version when its kind and title exist), audited."""
    return await views.add_document(platform, who.actor, data)


@router.get("/documents/{doc_id}", response_model=DocumentOut)
def document(doc_id: DbId, _: Reader, s: SessionDep) -> DocumentOut:
    """One document version."""
    return views.document(s, doc_id)


@router.get("/documents/{doc_id}/attachments/{sha256}")
async def attachment(
    doc_id: DbId, sha256: Annotated[str, views.SHA], who: Reader, platform: PlatformDep
) -> Response:
    """An attachment's bytes (the download is audited)."""
    name, data = await views.attachment(platform, who.actor, doc_id, sha256)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": views.disposition(name)},
    )


@router.get("/changes", response_model=list[ChangeOut])
def changes(_: Reader, s: SessionDep) -> list[ChangeOut]:
    """Change requests, newest first."""
    return views.changes(s)


@router.post("/changes", status_code=201)
async def submit_change(data: ChangeIn, who: Manager, platform: PlatformDep) -> dict[str, int]:
    """Submit a change to the approved design (its new version); it waits for re-approval."""
    return {
        "id": await service.submit_change(platform, who.actor, data.title, data.reason, data.design)
    }


@router.post("/changes/{change_id}/decision", status_code=204, response_class=Response)
async def decide_change(
    change_id: DbId, data: DecisionIn, who: Inspector, platform: PlatformDep
) -> Response:
    """The police approve or reject a change request."""
    await service.decide_change(platform, who.actor, change_id, data.approve, data.opinion)
    return Response(status_code=204)


@router.get("/orders", response_model=list[OrderOut])
def list_orders(
    _: Reader, s: SessionDep, state: Literal["open", "answered", "closed"] | None = None
) -> list[OrderOut]:
    """Rectification orders with their answers (``overdue`` when open past the deadline)."""
    return orders.listing(s, state)


@router.post("/orders", response_model=OrderOut, status_code=201)
async def issue_order(data: OrderIn, who: Inspector, platform: PlatformDep) -> OrderOut:
    """Issue a rectification order with a deadline (police inspectors)."""
    oid = await orders.issue(platform, who.actor, data)
    return await views.order(platform, oid)


@router.post("/orders/{order_id}/answers", response_model=OrderOut, status_code=201)
async def answer_order(
    order_id: DbId, data: AnswerIn, who: Manager, platform: PlatformDep
) -> OrderOut:
    """Answer an order with evidence (the property company)."""
    files = await views.attachments(platform, data.attachments)
    await orders.answer(platform, who.actor, order_id, data.text, files)
    return await views.order(platform, order_id)


@router.post("/orders/{order_id}/decision", response_model=OrderOut)
async def decide_order(
    order_id: DbId, data: DecisionIn, who: Inspector, platform: PlatformDep
) -> OrderOut:
    """Close an answered order (``approve``), or send it back open with the opinion."""
    await orders.decide(platform, who.actor, order_id, data.approve, data.opinion)
    return await views.order(platform, order_id)


@router.post("/reports", response_model=ReportBrief, status_code=201)
async def run_checker(data: ReportIn, who: Reader, platform: PlatformDep) -> ReportBrief:
    """Run the checker on the live system or a design file (the submitted one when none is
    given); the report is stored, signed with the audit key."""
    rid = await reports.generate(platform, who.actor, data.mode, data.design)
    return await views.report_brief(platform, rid)


@router.get("/reports", response_model=list[ReportBrief])
def list_reports(_: Reader, s: SessionDep) -> list[ReportBrief]:
    """The latest 100 reports."""
    return reports.briefs(s)


@router.get("/reports/public-key")
def public_key(_: Reader, platform: PlatformDep) -> Response:
    """The audit key's public half (PEM), to check report signatures anywhere."""
    return Response(views.public_pem(platform), media_type="application/x-pem-file")


@router.post("/reports/verify", response_model=VerifyOut)
async def verify(request: Request, _: Reader, platform: PlatformDep) -> VerifyOut:
    """Check a report file (HTML or PDF, the raw bytes as the body) against its signature."""
    data = await request.body()
    if len(data) > MAX_VERIFY:
        raise HTTPException(413, f"a report file is at most {MAX_VERIFY} bytes")
    return await asyncio.to_thread(views.verify, platform, data)


@router.get("/reports/{report_id}")
def report(report_id: DbId, _: Reader, s: SessionDep, platform: PlatformDep) -> dict[str, Any]:
    """A report's body (its stored signature checked first: 409 when the database was altered)."""
    return reports.body(s, platform.audit.key.public_key(), report_id)


@router.get("/reports/{report_id}/file")
async def report_file(
    report_id: DbId, _: Reader, platform: PlatformDep, format: Literal["html", "pdf"] = "html"
) -> Response:
    """The report as a signed HTML page or PDF (Chinese)."""
    data = await views.report_file(platform, report_id, format)
    media = "text/html; charset=utf-8" if format == "html" else "application/pdf"
    name = f"anfang-compliance-{report_id}.{format}"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/retention")
async def retention(_: Reader, platform: PlatformDep) -> list[dict[str, Any]]:
    """Every record type: its minimum with the source, the days in force, the days held."""
    return await views.retention(platform)


@router.put("/retention/{record_type}", status_code=204, response_class=Response)
async def set_retention(
    record_type: Annotated[str, Path(max_length=16)],
    data: RetentionIn,
    who: Manager,
    platform: PlatformDep,
) -> Response:
    """Keep a record type longer (never below its minimum: 409 ``below_minimum``); audited."""
    await records.set_days(platform, who.actor, record_type, data.days)
    return Response(status_code=204)


@router.get("/status")
async def operating_status(_: Reader, platform: PlatformDep) -> dict[str, Any]:
    """The operating status for supervision: uptime per subsystem, faults and work orders,
    alarms handled in time, rectification progress, biometric data held."""
    return await views.status(platform)
