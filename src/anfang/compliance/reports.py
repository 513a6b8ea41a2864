"""Checker reports: run the rule book against the live system or a design file, store the
result signed with the audit key, render it as HTML or PDF (each file signed again), and
verify a file handed back."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.compliance import (
    checker,
    design,
    lifecycle,
    live,
    report_files,
    rules,
    service,
    signing,
)
from anfang.compliance.models import Report
from anfang.compliance.schemas import ReportBrief, VerifyOut
from anfang.core.errors import DomainError
from anfang.core.facts import FACT_SOURCES
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow

if TYPE_CHECKING:
    from anfang.kernel import Kernel

OBLIGED_M2 = 50_000  # communities this large must build the system


def obliged(area_m2: float | None) -> dict[str, Any]:
    """Whether the community is obliged to build the system, by its area."""
    if area_m2 is None:
        return {"obliged": None, "text": "占地面积未填写，无法判断是否属于强制建设范围"}
    yes = area_m2 >= OBLIGED_M2
    verb = "属于" if yes else "不属于"
    return {
        "obliged": yes,
        "text": f"占地 {area_m2:,.0f} m²，{verb}强制建设范围（≥ {OBLIGED_M2:,} m²）",
    }


def evaluate(
    s: Session, platform: Kernel, mode: Literal["live", "design"], text: str | None, now: datetime
) -> dict[str, Any]:
    """The report's body (blocking: reads the database and runs the checker)."""
    book = rules.shipped()
    if mode == "design":
        source = text if text is not None else (getattr(service.latest(s, "design"), "body", None))
        if source is None:
            raise DomainError("no design file given and none submitted yet", 422)
        sf = design.site_facts(*design.load(source.encode()))
    else:
        found = live.site_facts(s, platform.capabilities.get(FACT_SOURCES), now)
        if found is None:
            raise DomainError("no site is set up yet: import a site file first", 409)
        sf = found
    results = checker.check(book, sf, mode)
    p = service.project(s)
    return {
        "mode": mode,
        "site": sf.name,
        "rulebook": book.version,
        "generated_at": now.isoformat(),
        "stage": p.stage,
        "stage_zh": lifecycle.STAGE_ZH[p.stage],
        "obliged": obliged(sf.area_m2),
        "tally": checker.tally(results),
        "results": [r.to_json() for r in results],
    }


async def generate(
    platform: Kernel, actor: str, mode: Literal["live", "design"], text: str | None
) -> int:
    """Run the checker and store its signed report (audited); the report's id."""

    def read() -> dict[str, Any]:
        with platform.read_session() as s:
            return evaluate(s, platform, mode, text, utcnow())

    body = await asyncio.to_thread(read)
    body["generated_by"] = actor
    audit = platform.audit

    def job(ctx: WriteContext) -> tuple[int, str, Any]:
        row = Report(
            mode=mode,
            generated_at=utcnow(),
            generated_by=actor,
            verdict=body["tally"]["verdict"],
            body={},
            sha256="",
            key_id=audit.key_id,
            signature=b"",
        )
        ctx.session.add(row)
        ctx.session.flush()
        body["id"] = row.id
        data = signing.canonical(body)
        row.body, row.sha256, row.signature = (
            body,
            hashlib.sha256(data).hexdigest(),
            audit.key.sign(data),
        )
        return row.id, f"compliance_report:{row.id}", {"mode": mode, "tally": body["tally"]}

    return await audited(platform, actor, "compliance.report", job, topic=service.TOPIC)


def briefs(s: Session, limit: int = 100) -> list[ReportBrief]:
    """The latest reports."""
    rows = s.scalars(select(Report).order_by(Report.id.desc()).limit(limit))
    return [ReportBrief.model_validate(r, from_attributes=True) for r in rows]


def body(s: Session, platform_key: Ed25519PublicKey, report_id: int) -> dict[str, Any]:
    """A stored report's body, after checking its stored signature."""
    row = s.get(Report, report_id)
    if row is None:
        raise service.NotFound(f"no report {report_id}")
    try:
        platform_key.verify(row.signature, signing.canonical(row.body))
    except InvalidSignature as exc:
        raise DomainError(
            f"report {report_id} was altered in the database after it was signed", 409
        ) from exc
    return dict(row.body)


def render(platform: Kernel, r: dict[str, Any], fmt: Literal["html", "pdf"]) -> bytes:
    """A report file, signed (blocking: rendering a PDF takes a moment)."""
    data = report_files.to_html(r) if fmt == "html" else report_files.to_pdf(r)
    return signing.sign_file(
        data, platform.audit.key, platform.audit.key_id, int(r["id"]), fmt == "html"
    )


def verify(s: Session, platform: Kernel, data: bytes) -> VerifyOut:
    """Whether ``data`` is a report file signed by this system and unchanged."""
    v = signing.verify_file(data, platform.audit.key.public_key(), platform.audit.key_id)
    row = s.get(Report, v.report_id) if v.report_id is not None else None
    if v.valid and row is None:
        return VerifyOut(
            valid=False,
            reason=f"签名有效，但本系统没有编号 {v.report_id} 的报告",
            report_id=v.report_id,
            key_id=v.key_id,
        )
    return VerifyOut(
        valid=v.valid,
        reason=v.reason,
        report_id=v.report_id,
        key_id=v.key_id,
        generated_at=row.generated_at if row else None,
    )
