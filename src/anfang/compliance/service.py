"""Compliance's domain logic: versioned documents with attachments, the project's life cycle
(every step audited, refusals from ``lifecycle``), change requests and their re-approval,
and the difference between the approved design and the live site model."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.compliance import design, lifecycle, live, trial
from anfang.compliance.lifecycle import Project, Refused, Role
from anfang.compliance.models import ChangeRequest, Document, Step
from anfang.compliance.schemas import AttachmentIn, DocumentIn, StepIn
from anfang.core.errors import DomainError
from anfang.core.facts import FactSources
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow

if TYPE_CHECKING:
    from anfang.audit.jobs import AuditedPlatform

TOPIC = "compliance"


class NotFound(DomainError):
    """No such record (404)."""

    status = 404


def folder(data_dir: Path) -> Path:
    """Where attachments are kept (each file named by its SHA-256)."""
    return data_dir / "compliance"


def store_attachments(data_dir: Path, files: list[AttachmentIn]) -> list[dict[str, Any]]:
    """Write attachments by hash (blocking: call in a thread); their descriptions."""
    out = []
    root = folder(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    for f in files:
        raw = base64.b64decode(f.content_b64)
        digest = hashlib.sha256(raw).hexdigest()
        path = root / digest
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(raw)
            tmp.replace(path)
        out.append({"name": f.name, "sha256": digest, "bytes": len(raw), "path": digest})
    return out


def add_document(
    ctx: WriteContext, actor: str, data: DocumentIn, files: list[dict[str, Any]]
) -> Document:
    """A new document, or the next version of one with the same kind and title."""
    s = ctx.session
    last = s.scalar(
        select(func.max(Document.version)).where(
            Document.kind == data.kind, Document.title == data.title
        )
    )
    doc = Document(
        kind=data.kind,
        title=data.title,
        version=(last or 0) + 1,
        body=data.body,
        data=data.data,
        attachments=files,
        created_at=utcnow(),
        created_by=actor,
    )
    s.add(doc)
    s.flush()
    return doc


def project(s: Session) -> Project:
    """Where the project stands, from its recorded steps."""
    stage: lifecycle.Stage = "draft"
    approved = trial = live_at = registered = None
    for st in s.scalars(select(Step).order_by(Step.id)):
        stage = st.stage_to  # type: ignore[assignment]  # written from lifecycle.STAGES only
        if st.action in ("review", "change_approved") and st.detail.get("verdict") == "approve":
            approved = st.document_id
        if st.action == "start_trial":
            trial = st.at
        if st.action == "inspect" and st.detail.get("verdict") == "pass":
            live_at = st.at
        if st.action == "register":
            registered = st.at
    pending = s.scalar(
        select(func.count()).select_from(ChangeRequest).where(ChangeRequest.state == "submitted")
    )
    return Project(stage, approved, trial, live_at, registered, pending or 0)


def latest(s: Session, kind: str) -> Document | None:
    """The newest document of ``kind``."""
    return s.scalar(
        select(Document).where(Document.kind == kind).order_by(Document.id.desc()).limit(1)
    )


def approved_differences(s: Session, sources: FactSources | None, now: datetime) -> list[str]:
    """How the live site model differs from the approved design ([] before approval)."""
    p = project(s)
    doc = s.get(Document, p.approved_design) if p.approved_design else None
    if doc is None:
        return []
    sf_file, declared = design.load(doc.body.encode())
    current = live.site_facts(s, sources, now)
    if current is None:
        return ["现场尚未建立站点模型"]
    return design.differences(design.site_facts(sf_file, declared), current)


def _record(
    s: Session,
    p: Project,
    action: str,
    to: lifecycle.Stage | None,
    doc: int | None,
    detail: dict[str, Any],
    actor: str,
) -> Step:
    step = Step(
        action=action,
        stage_from=p.stage,
        stage_to=to or p.stage,
        document_id=doc,
        detail=detail,
        at=utcnow(),
        actor=actor,
    )
    s.add(step)
    s.flush()
    return step


async def take_step(
    platform: AuditedPlatform,
    sources: FactSources | None,
    actor: str,
    role: Role,
    data: StepIn,
    files: list[dict[str, Any]],
) -> int:
    """Take a life-cycle step (refused per ``lifecycle``); the step's id. A step's document
    (design, review opinion, trial report, acceptance record) is stored with it."""

    def job(ctx: WriteContext) -> tuple[int, str, Any]:
        s = ctx.session
        now = utcnow()
        p = project(s)
        lifecycle.may(p, data.action, role)
        if data.action == "submit_design":
            if not data.document or data.document.kind != "design":
                raise Refused("design_missing", "submit the design file as the step's document")
            design.load(data.document.body.encode())  # refuse a design file that cannot be read
        if data.action in ("start_trial", "accept"):
            lifecycle.check_built_as_approved(p, approved_differences(s, sources, now))
        if data.action == "finish_trial":
            lifecycle.check_trial_length(p, now)
        if data.action == "accept":
            lifecycle.check_panel([m.model_dump() for m in data.panel])
        lifecycle.check_verdict(data.action, data.verdict)
        detail: dict[str, Any] = {
            "verdict": data.verdict,
            "opinion": data.opinion,
            "items": data.items,
            "panel": [m.model_dump() for m in data.panel],
        }
        doc_id = None
        if data.action == "review":  # the step names the design reviewed; the opinion apart
            submitted = latest(s, "design")
            doc_id = submitted.id if submitted else None
            if data.document is not None:
                detail["opinion_document"] = add_document(ctx, actor, data.document, files).id
        elif data.document is not None:
            doc_id = add_document(ctx, actor, data.document, files).id
        if data.action == "finish_trial":  # the trial-run report, from the system's own records
            assert p.trial_started is not None  # check_trial_length refused otherwise
            made = trial.report(s, p.trial_started, now)
            doc_id = add_document(
                ctx,
                actor,
                DocumentIn(
                    kind="trial_report", title="试运行报告", body=trial.text(made), data=made
                ),
                [],
            ).id
        step = _record(
            s,
            p,
            data.action,
            lifecycle.next_stage(data.action, data.verdict),
            doc_id,
            detail,
            actor,
        )
        ctx.mark_changed(TOPIC)
        return (
            step.id,
            f"compliance_step:{step.id}",
            {"action": data.action, "from": p.stage, "to": step.stage_to, "verdict": data.verdict},
        )

    return await audited(platform, actor, f"compliance.{data.action}", job)


async def submit_change(
    platform: AuditedPlatform, actor: str, title: str, reason: str, body: str
) -> int:
    """A change request: the changed design as its next version, waiting for re-approval."""
    design.load(body.encode())

    def job(ctx: WriteContext) -> tuple[int, str, Any]:
        p = project(ctx.session)
        if p.approved_design is None:
            raise Refused(
                "not_approved",
                "a change request needs an approved design to change",
                stage=lifecycle.STAGE_ZH[p.stage],
            )
        current = ctx.session.get(Document, p.approved_design)
        title_of = current.title if current else "设计方案"
        doc = add_document(ctx, actor, DocumentIn(kind="design", title=title_of, body=body), [])
        cr = ChangeRequest(
            title=title, reason=reason, design_id=doc.id, submitted_at=utcnow(), submitted_by=actor
        )
        ctx.session.add(cr)
        ctx.session.flush()
        return cr.id, f"compliance_change:{cr.id}", {"title": title, "design_version": doc.version}

    return await audited(platform, actor, "compliance.change_submit", job, topic=TOPIC)


async def decide_change(
    platform: AuditedPlatform, actor: str, change_id: int, approve: bool, opinion: str
) -> None:
    """The police approve or reject a change request; approval makes its design the approved one."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        s = ctx.session
        cr = s.get(ChangeRequest, change_id)
        if cr is None:
            raise NotFound(f"no change request {change_id}")
        if cr.state != "submitted":
            raise Refused(
                "already_decided",
                f"change request {change_id} is already {cr.state}",
                state=cr.state,
            )
        cr.state, cr.opinion = ("approved" if approve else "rejected"), opinion
        cr.decided_at, cr.decided_by = utcnow(), actor
        if approve:
            p = project(s)
            _record(
                s,
                p,
                "change_approved",
                None,
                cr.design_id,
                {"verdict": "approve", "opinion": opinion, "change": cr.id},
                actor,
            )
        return None, f"compliance_change:{cr.id}", {"state": cr.state, "opinion": opinion}

    await audited(platform, actor, "compliance.change_decide", job, topic=TOPIC)
