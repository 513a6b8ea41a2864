"""Rectification orders: police inspectors issue them with a deadline, the property company
answers with evidence, the inspector closes or sends back; an order open past its deadline
raises an alarm once."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.compliance.component import ComplianceClock
from anfang.store.models import Alarm, EventRow
from tests.compliance.conftest import user
from tests.conftest import auth

BASE = "/api/v1/compliance/orders"


async def test_order_issued_answered_closed(
    app_client: httpx.AsyncClient, admin_token: str
) -> None:
    c, admin = app_client, auth(admin_token)
    police = await user(c, admin, "minjing", "police_inspector")
    deadline = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    body = {
        "title": "西门补装摄像机",
        "detail": "VID-02 不符合",
        "rule_id": "VID-02",
        "deadline": deadline,
    }
    assert (await c.post(BASE, headers=admin, json=body)).status_code == 403
    r = await c.post(BASE, headers=police, json=body)
    assert r.status_code == 201, r.text
    order = r.json()
    assert (
        order["state"] == "open" and order["issued_by"] == "user:minjing" and not order["overdue"]
    )
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    r = await c.post(BASE, headers=police, json={**body, "deadline": past})
    assert r.status_code == 409 and r.json()["code"] == "deadline_past"
    naive = datetime.now().replace(microsecond=0).isoformat()  # noqa: DTZ005
    assert (await c.post(BASE, headers=police, json={**body, "deadline": naive})).status_code == 422

    url = f"{BASE}/{order['id']}"
    r = await c.post(f"{url}/decision", headers=police, json={"approve": True})
    assert r.status_code == 409 and r.json()["code"] == "not_answered"
    photo = base64.b64encode(b"jpeg").decode()
    answer = {"text": "已补装", "attachments": [{"name": "现场.jpg", "content_b64": photo}]}
    assert (await c.post(f"{url}/answers", headers=police, json=answer)).status_code == 403
    r = await c.post(f"{url}/answers", headers=admin, json=answer)
    assert r.status_code == 201 and r.json()["state"] == "answered"
    assert r.json()["answers"][0]["attachments"][0]["name"] == "现场.jpg"
    r = await c.post(
        f"{url}/decision", headers=police, json={"approve": False, "opinion": "照片看不清"}
    )
    assert r.json()["state"] == "open" and r.json()["answers"][-1]["text"] == "照片看不清"
    await c.post(f"{url}/answers", headers=admin, json={"text": "补拍"})
    r = await c.post(f"{url}/decision", headers=police, json={"approve": True})
    assert r.json()["state"] == "closed" and r.json()["closed_by"] == "user:minjing"
    r = await c.post(f"{url}/answers", headers=admin, json={"text": "again"})
    assert r.status_code == 409 and r.json()["code"] == "order_closed"
    assert (await c.get(f"{BASE}/999", headers=admin)).status_code in (404, 405)
    r = await c.post(f"{BASE}/999/answers", headers=admin, json={"text": "x"})
    assert r.status_code == 404
    listed = (await c.get(BASE, headers=admin, params={"state": "closed"})).json()
    assert [o["id"] for o in listed] == [order["id"]]


async def test_overdue_order_raises_an_alarm_once(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    c, admin = app_client, auth(admin_token)
    police = await user(c, admin, "minjing", "police_inspector")
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    r = await c.post(BASE, headers=police, json={"title": "整改", "deadline": soon})
    assert r.status_code == 201
    await asyncio.sleep(1.2)
    assert (await c.get(BASE, headers=admin)).json()[0]["overdue"] is True
    clock = next(x for x in platform.components if isinstance(x, ComplianceClock))
    assert await clock.check_now() == 1
    assert await clock.check_now() == 0  # once
    with platform.read_session() as s:
        kinds = list(
            s.scalars(select(EventRow.kind).where(EventRow.kind == "compliance.order_overdue"))
        )
        alarms = list(s.scalars(select(Alarm).where(Alarm.kind == "compliance.order_overdue")))
    assert kinds == ["compliance.order_overdue"] and len(alarms) == 1
    assert (await c.get("/api/v1/compliance/status", headers=admin)).json()["orders"][
        "overdue"
    ] == 1
