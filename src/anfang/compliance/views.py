"""What compliance's API answers, read off the event loop (a thread)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from fastapi import Path
from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.compliance import lifecycle, orders, records, reports, service
from anfang.compliance import status as operating
from anfang.compliance.models import ChangeRequest, Document, Report, Step
from anfang.compliance.schemas import (
    AttachmentIn,
    ChangeOut,
    DocumentIn,
    DocumentOut,
    OrderOut,
    ProjectOut,
    ReportBrief,
    StepOut,
    VerifyOut,
)
from anfang.core.capabilities import RETENTION
from anfang.core.facts import FACT_SOURCES, FactSources
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow

if TYPE_CHECKING:
    from anfang.kernel import Kernel

SHA = Path(pattern=r"^[0-9a-f]{64}$")


def sources(platform: Kernel) -> FactSources | None:
    """The subsystems' fact sources."""
    return platform.capabilities.get(FACT_SOURCES)


async def attachments(platform: Kernel, files: list[AttachmentIn]) -> list[dict[str, Any]]:
    """Store uploaded attachments; their descriptions."""
    if not files:
        return []
    return await asyncio.to_thread(service.store_attachments, platform.settings.data_dir, files)


def _project(platform: Kernel) -> ProjectOut:
    with platform.read_session() as s:
        now = utcnow()
        p = service.project(s)
        due = lifecycle.registration_due(p, now)
        steps = [
            StepOut.model_validate(x, from_attributes=True)
            for x in s.scalars(select(Step).order_by(Step.id))
        ]
        diff = service.approved_differences(s, sources(platform), now) if p.approved_design else []
        return ProjectOut(
            stage=p.stage,
            stage_zh=lifecycle.STAGE_ZH[p.stage],
            approved_design=p.approved_design,
            trial_started=p.trial_started,
            went_live=p.went_live,
            registered=p.registered,
            registration_due=due[0] if due else None,
            registration_overdue=bool(due and due[1]),
            pending_changes=p.pending_changes,
            differences=diff,
            steps=steps,
        )


async def project(platform: Kernel) -> ProjectOut:
    """The project as the API shows it."""
    return await asyncio.to_thread(_project, platform)


def documents(s: Session, kind: str | None) -> list[DocumentOut]:
    """Document versions, newest first."""
    q = select(Document).order_by(Document.id.desc()).limit(500)
    if kind is not None:
        q = q.where(Document.kind == kind)
    return [DocumentOut.model_validate(d, from_attributes=True) for d in s.scalars(q)]


def document(s: Session, doc_id: int) -> DocumentOut:
    """One document version."""
    d = s.get(Document, doc_id)
    if d is None:
        raise service.NotFound(f"no document {doc_id}")
    return DocumentOut.model_validate(d, from_attributes=True)


async def add_document(platform: Kernel, actor: str, data: DocumentIn) -> DocumentOut:
    """Store a document version (audited)."""
    files = await attachments(platform, data.attachments)

    def job(ctx: WriteContext) -> tuple[DocumentOut, str, Any]:
        d = service.add_document(ctx, actor, data, files)
        out = DocumentOut.model_validate(d, from_attributes=True)
        return (
            out,
            f"compliance_document:{d.id}",
            {
                "kind": d.kind,
                "title": d.title,
                "version": d.version,
                "attachments": [f["sha256"] for f in files],
            },
        )

    return await audited(platform, actor, "compliance.document", job, topic=service.TOPIC)


async def attachment(platform: Kernel, actor: str, doc_id: int, sha256: str) -> tuple[str, bytes]:
    """An attachment's name and bytes; the download is audited."""

    def read() -> tuple[str, bytes]:
        with platform.read_session() as s:
            d = s.get(Document, doc_id)
            found = next(
                (a for a in (d.attachments if d else []) if a.get("sha256") == sha256), None
            )
        if found is None:
            raise service.NotFound(f"document {doc_id} has no attachment {sha256}")
        path = service.folder(platform.settings.data_dir) / sha256
        if not path.is_file():
            raise service.NotFound(f"attachment {sha256} is missing from storage")
        return str(found.get("name", sha256)), path.read_bytes()

    name, data = await asyncio.to_thread(read)
    await platform.audit.record(
        actor,
        "compliance.attachment_read",
        f"compliance_document:{doc_id}",
        {"sha256": sha256, "name": name},
    )
    return name, data


def disposition(name: str) -> str:
    """A Content-Disposition header for a file name in any language (RFC 6266)."""
    return f"attachment; filename=\"attachment\"; filename*=UTF-8''{quote(name)}"


def changes(s: Session) -> list[ChangeOut]:
    """Change requests, newest first."""
    rows = s.scalars(select(ChangeRequest).order_by(ChangeRequest.id.desc()).limit(500))
    return [ChangeOut.model_validate(c, from_attributes=True) for c in rows]


async def order(platform: Kernel, order_id: int) -> OrderOut:
    """One rectification order with its answers."""

    def read() -> OrderOut:
        with platform.read_session() as s:
            return orders.one(s, order_id)

    return await asyncio.to_thread(read)


async def report_brief(platform: Kernel, report_id: int) -> ReportBrief:
    """A stored report's summary."""

    def read() -> ReportBrief:
        with platform.read_session() as s:
            r = s.get(Report, report_id)
            if r is None:
                raise service.NotFound(f"no report {report_id}")
            return ReportBrief.model_validate(r, from_attributes=True)

    return await asyncio.to_thread(read)


def public_pem(platform: Kernel) -> bytes:
    """The audit key's public half, PEM."""
    return platform.audit.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def verify(platform: Kernel, data: bytes) -> VerifyOut:
    """Check a report file (blocking)."""
    with platform.read_session() as s:
        return reports.verify(s, platform, data)


async def report_file(platform: Kernel, report_id: int, fmt: Literal["html", "pdf"]) -> bytes:
    """A report rendered and signed."""

    def make() -> bytes:
        with platform.read_session() as s:
            body = reports.body(s, platform.audit.key.public_key(), report_id)
        return reports.render(platform, body, fmt)

    return await asyncio.to_thread(make)


async def status(platform: Kernel) -> dict[str, Any]:
    """The operating status for supervision."""

    def read() -> dict[str, Any]:
        with platform.read_session() as s:
            return status_of(s, platform)

    return await asyncio.to_thread(read)


def status_of(s: Session, platform: Kernel) -> dict[str, Any]:
    """The operating status from a session."""
    return operating.overview(s, utcnow(), platform.settings.access_capture_retention_days)


async def retention(platform: Kernel) -> list[dict[str, Any]]:
    """The retention of every record type with the days actually held."""
    policy = platform.capabilities.get(RETENTION)

    def read() -> list[dict[str, Any]]:
        now = utcnow()
        with platform.read_session() as s:
            held = records.held(s, now)
            facts = sources(platform)
            video = facts.collect(s, now).get("video.retention_held_days") if facts else None
            held["video"] = _number(video.value) if video is not None else None
            return records.listing(s, policy or records.Policy(), held)

    return await asyncio.to_thread(read)


def _number(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
