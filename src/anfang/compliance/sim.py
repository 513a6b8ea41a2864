"""The demo's compliance project: the community's design (its site file with the design
block), the police's approval, construction, a finished 31-day trial run, a police
inspector's account, product data for the cameras, and a live checker report once the
devices have come online.

The project's history lies in the past, so it is seeded the way the demo seeds other
configuration (through the writer, with dates); the API itself cannot back-date a step.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from anfang.compliance import maintenance, reports, service, trial
from anfang.compliance.models import Step
from anfang.compliance.schemas import DocumentIn
from anfang.compliance.schemas_maintenance import ProductIn
from anfang.core.tasks import stop_task
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.subsystems import SimContext

log = logging.getLogger(__name__)
INSPECTOR = "inspector"
POLICE = "演示民警（园区派出所）"
PROPERTY = "demo-property"
REPORT_AFTER_S = 30.0
# What the design states that the site file cannot show.
DECLARED: dict[str, Any] = {
    "video.retention_days": 30,
    "records.logs.days": 180,
    "home_alarm.panic": "all",
    "home_alarm.intrusion": "all",
    "uplink.gb28181": 1,
}


def design_text(site_file: dict[str, Any]) -> str:
    """The demo community's design file: its site file (without device secrets) and the
    design block."""
    doc = dict(site_file)
    doc["devices"] = [{k: v for k, v in d.items() if k != "secret"} for d in site_file["devices"]]
    # The fences are designed 2.2 m high (one is built lower: the live report shows it).
    fences = {f"F-{z['code']}": 2.2 for z in site_file["zones"] if z["kind"] == "perimeter"}
    doc["design"] = {**DECLARED, "physical.fence_height_m": fences}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _history(text: str) -> Any:
    def job(ctx: WriteContext) -> bool:
        s = ctx.session
        if s.scalar(select(Step.id).limit(1)) is not None:
            return False
        now = utcnow()
        d = service.add_document(
            ctx,
            PROPERTY,
            DocumentIn(kind="design", title="锦绣花园安防系统设计方案", body=text),
            [],
        )
        opinion = service.add_document(
            ctx,
            POLICE,
            DocumentIn(
                kind="review_opinion",
                title="初步设计方案评审意见",
                body="同意该设计方案。要求：西门消防通道道闸补设视频监控；一、二层住户入侵探测器随精装修同步安装。",
            ),
            [],
        )
        commit = service.add_document(
            ctx,
            PROPERTY,
            DocumentIn(
                kind="commitment", title="整改承诺书", body="按评审意见于试运行前完成整改。"
            ),
            [],
        )
        start = now - timedelta(days=31)
        steps: list[tuple[str, str, str, int | None, float, str | None, dict[str, Any]]] = [
            ("submit_design", "draft", "design_submitted", d.id, 120, None, {}),
            (
                "review",
                "design_submitted",
                "design_approved",
                d.id,
                100,
                "approve",
                {
                    "opinion": "同意，按意见整改",
                    "opinion_document": opinion.id,
                    "commitment": commit.id,
                },
            ),
            ("start_construction", "design_approved", "construction", None, 90, None, {}),
            ("start_trial", "construction", "trial_run", None, 31, None, {}),
        ]
        for action, frm, to, doc, days_ago, verdict, extra in steps:
            who = POLICE if action == "review" else PROPERTY
            at = start if action == "start_trial" else now - timedelta(days=days_ago)
            s.add(
                Step(
                    action=action,
                    stage_from=frm,
                    stage_to=to,
                    document_id=doc,
                    at=at,
                    actor=who,
                    detail={"verdict": verdict, **extra},
                )
            )
        made = trial.report(s, start, now)
        rep = service.add_document(
            ctx,
            PROPERTY,
            DocumentIn(kind="trial_report", title="试运行报告", body=trial.text(made), data=made),
            [],
        )
        s.add(
            Step(
                action="finish_trial",
                stage_from="trial_run",
                stage_to="trial_done",
                document_id=rep.id,
                at=now,
                actor=PROPERTY,
                detail={"verdict": None},
            )
        )
        ctx.mark_changed(service.TOPIC)
        return True

    return job


def _password_file(work_dir: Path) -> tuple[Path, str | None]:
    pw_file = work_dir / "compliance-inspector.txt"
    if pw_file.exists():
        return pw_file, None
    work_dir.mkdir(parents=True, exist_ok=True)
    return pw_file, secrets.token_urlsafe(12)


class DemoProject:
    """Seeds the project once and issues a live report after the devices came online."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Seed the history, the inspector and the cameras' product data."""
        k = self.ctx.kernel
        seeded = await k.writer.run(_history(design_text(self.ctx.community.site_file)))
        pw_file, fresh = await asyncio.to_thread(_password_file, self.ctx.work_dir)
        if fresh is not None:
            await k.users.create(INSPECTOR, fresh, "police_inspector", "demo", POLICE)
            await asyncio.to_thread(pw_file.write_text, fresh)
            pw_file.chmod(0o600)
        if seeded:
            cams = [d for d in self.ctx.community.devices if d["type"] == "camera"][:10]
            for i, d in enumerate(cams):
                await maintenance.set_product(
                    k,
                    PROPERTY,
                    d["code"],
                    ProductIn(
                        manufacturer="海康威视",
                        model="DS-2CD3T47",
                        certificate=f"CCC 2023010919{560000 + i}",
                        firmware="V5.7.3",
                        installed_on="2026-09-20",
                    ),
                )
        self._task = asyncio.create_task(self._report(), name="compliance-demo-report")

    async def _report(self) -> None:
        await asyncio.sleep(REPORT_AFTER_S)
        try:
            rid = await reports.generate(self.ctx.kernel, PROPERTY, "live", None)
            log.info("compliance: live checker report %d issued", rid)
        except Exception:  # the demo goes on without its report
            log.warning("compliance: the demo's live report failed", exc_info=True)

    async def stop(self) -> None:
        """Stop waiting for the report."""
        await stop_task(self._task)
        self._task = None


def make_demo_project(ctx: SimContext) -> DemoProject:
    """The demo's compliance project."""
    return DemoProject(ctx)
