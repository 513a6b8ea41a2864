"""The life cycle through the API: who takes which step, the refusals (construction before
approval, a change built without re-approval, a trial run too short, too few experts),
documents versioned with attachments, every step audited."""

from __future__ import annotations

import base64
import copy
from datetime import timedelta

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.compliance.models import Step
from anfang.store.base import utcnow
from anfang.store.models import AuditEntry
from tests.compliance.conftest import SITE, design_yaml, import_site, user
from tests.conftest import auth

BASE = "/api/v1/compliance"


def _design(version: str = "") -> dict[str, object]:
    return {"kind": "design", "title": "设计方案", "body": design_yaml() + version}


async def _step(c: httpx.AsyncClient, h: dict[str, str], **body: object) -> httpx.Response:
    return await c.post(f"{BASE}/project/steps", headers=h, json=body)


async def test_life_cycle_with_its_refusals(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    c, admin = app_client, auth(admin_token)
    police = await user(c, admin, "minjing", "police_inspector")
    operator = await user(c, admin, "op", "operator")
    await import_site(c, admin)

    assert (await c.get(f"{BASE}/project", headers=operator)).status_code == 403
    r = await _step(c, admin, action="start_construction")
    assert r.status_code == 409 and r.json()["code"] == "not_approved", r.text
    r = await _step(c, admin, action="submit_design")
    assert r.status_code == 409 and r.json()["code"] == "design_missing"
    bad = {"kind": "design", "title": "设计方案", "body": "site: [1"}
    r = await _step(c, admin, action="submit_design", document=bad)
    assert r.status_code == 422 and "YAML" in r.json()["detail"]
    assert (await _step(c, police, action="submit_design", document=_design())).status_code == 403
    assert (await _step(c, admin, action="submit_design", document=_design())).status_code == 201

    # The property company may not approve its own design.
    assert (await _step(c, admin, action="review", verdict="approve")).status_code == 403
    r = await _step(c, police, action="review")
    assert r.status_code == 409 and r.json()["code"] == "verdict_missing"
    opinion = {"kind": "review_opinion", "title": "评审意见", "body": "同意"}
    r = await _step(c, police, action="review", verdict="approve", document=opinion)
    assert r.status_code == 201, r.text
    project = (await c.get(f"{BASE}/project", headers=police)).json()
    assert project["stage"] == "design_approved" and project["stage_zh"] == "设计已批准"
    assert project["differences"] == []
    assert (await _step(c, admin, action="start_construction")).status_code == 201

    # A camera added on site that the approved design does not have: no trial run until a
    # change request for it is approved.
    changed = copy.deepcopy(SITE)
    changed["devices"].append(
        {
            "code": "CAM-U2",
            "name": "2单元门口摄像机",
            "type": "camera",
            "subsystem": "video",
            "building": "B1",
            "unit": "2",
        }
    )
    await import_site(c, admin, changed)
    project = (await c.get(f"{BASE}/project", headers=admin)).json()
    assert project["differences"] == ["新增设备 2单元门口摄像机（CAM-U2）"]
    r = await _step(c, admin, action="start_trial")
    assert r.status_code == 409 and r.json()["code"] == "unapproved_changes"
    assert r.json()["params"]["count"] == 1

    body = {"title": "2单元补装摄像机", "reason": "评审意见", "design": design_yaml(changed)}
    r = await c.post(f"{BASE}/changes", headers=admin, json=body)
    assert r.status_code == 201, r.text
    change = r.json()["id"]
    r = await _step(c, admin, action="start_trial")
    assert r.status_code == 409 and r.json()["code"] == "change_pending"
    decision = {"approve": True, "opinion": "同意变更"}
    assert (
        await c.post(f"{BASE}/changes/{change}/decision", headers=admin, json=decision)
    ).status_code == 403
    r = await c.post(f"{BASE}/changes/{change}/decision", headers=police, json=decision)
    assert r.status_code == 204
    r = await c.post(f"{BASE}/changes/{change}/decision", headers=police, json=decision)
    assert r.status_code == 409 and r.json()["code"] == "already_decided"
    assert (await c.get(f"{BASE}/project", headers=admin)).json()["differences"] == []
    assert (await _step(c, admin, action="start_trial")).status_code == 201

    r = await _step(c, admin, action="finish_trial")
    assert r.status_code == 409 and r.json()["code"] == "trial_too_short"
    assert r.json()["params"]["minimum"] == 30
    # 31 days later (the trial's start moved back, as time would have).
    with platform.read_session() as s:
        trial_id = s.scalar(select(Step.id).where(Step.action == "start_trial"))

    def back(ctx) -> None:  # type: ignore[no-untyped-def]
        ctx.session.get(Step, trial_id).at = utcnow() - timedelta(days=31)

    await platform.writer.run(back)
    r = await _step(c, admin, action="finish_trial")
    assert r.status_code == 201, r.text
    docs = (
        await c.get(f"{BASE}/documents", headers=police, params={"kind": "trial_report"})
    ).json()
    assert docs[0]["data"]["days"] >= 31 and "试运行期间" in docs[0]["body"]

    few = [{"name": "甲", "expert": True}, {"name": "乙"}, {"name": "丙"}]
    r = await _step(c, admin, action="accept", verdict="pass", panel=few)
    assert r.status_code == 409 and r.json()["code"] == "too_few_experts"
    assert r.json()["params"] == {"experts": 1, "members": 3}
    panel = [{"name": "甲", "expert": True}, {"name": "乙", "expert": True}, {"name": "丙"}]
    r = await _step(c, admin, action="accept", verdict="fail", panel=panel, items=["补装"])
    assert r.status_code == 201
    assert (await c.get(f"{BASE}/project", headers=admin)).json()["stage"] == "trial_done"
    assert (
        await _step(c, admin, action="accept", verdict="basic_pass", panel=panel)
    ).status_code == 201
    assert (await _step(c, admin, action="inspect", verdict="pass")).status_code == 403
    assert (await _step(c, police, action="inspect", verdict="pass")).status_code == 201
    project = (await c.get(f"{BASE}/project", headers=admin)).json()
    assert project["stage"] == "operating" and project["went_live"] is not None
    assert project["registration_due"] is not None and not project["registration_overdue"]
    assert (await _step(c, admin, action="register", opinion="备案号 2026-001")).status_code == 201
    assert (await c.get(f"{BASE}/project", headers=admin)).json()["registration_due"] is None

    with platform.read_session() as s:
        actions = set(
            s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("compliance.%")))
        )
    assert {
        "compliance.submit_design",
        "compliance.review",
        "compliance.start_trial",
        "compliance.change_submit",
        "compliance.change_decide",
        "compliance.inspect",
    } <= actions


async def test_documents_are_versioned_with_attachments(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    c, admin = app_client, auth(admin_token)
    police = await user(c, admin, "minjing", "police_inspector")
    photo = base64.b64encode(b"\xff\xd8photo").decode()
    doc = {
        "kind": "impact_assessment",
        "title": "人脸信息影响评估",
        "body": "v1",
        "attachments": [{"name": "评估表.pdf", "content_b64": photo}],
    }
    first = (await c.post(f"{BASE}/documents", headers=admin, json=doc)).json()
    second = (await c.post(f"{BASE}/documents", headers=admin, json={**doc, "body": "v2"})).json()
    assert (first["version"], second["version"]) == (1, 2)
    sha = first["attachments"][0]["sha256"]
    r = await c.get(f"{BASE}/documents/{first['id']}/attachments/{sha}", headers=police)
    assert r.status_code == 200 and r.content == b"\xff\xd8photo"
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    assert (
        await c.get(f"{BASE}/documents/{first['id']}/attachments/{'0' * 64}", headers=police)
    ).status_code == 404
    assert (
        await c.get(f"{BASE}/documents/{first['id']}/attachments/zz", headers=police)
    ).status_code == 422
    assert (await c.post(f"{BASE}/documents", headers=police, json=doc)).status_code == 403
    bad = {**doc, "attachments": [{"name": "x", "content_b64": "not base64!"}]}
    assert (await c.post(f"{BASE}/documents", headers=admin, json=bad)).status_code == 422
    evil = {**doc, "attachments": [{"name": "../../etc/passwd", "content_b64": photo}]}
    assert (await c.post(f"{BASE}/documents", headers=admin, json=evil)).status_code == 422
    with platform.read_session() as s:
        reads = list(
            s.scalars(select(AuditEntry).where(AuditEntry.action == "compliance.attachment_read"))
        )
    assert reads and reads[0].actor == "user:minjing" and reads[0].detail["sha256"] == sha
