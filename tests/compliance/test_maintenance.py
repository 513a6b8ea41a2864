"""Maintenance: work orders opened from faults in the fault's own transaction (once per
device and cause), assigned, closed with evidence, escalated when overdue; the device's
history and product data."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.compliance.component import ComplianceClock
from anfang.compliance.models import WorkOrder
from anfang.core.events import Event
from anfang.store.base import utcnow
from anfang.store.models import EventRow
from tests.compliance.conftest import import_site, user
from tests.conftest import auth

BASE = "/api/v1/maintenance"


async def test_faults_open_work_orders_closed_with_evidence(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    c, admin = app_client, auth(admin_token)
    await import_site(c, admin)
    await platform.pipeline.submit(Event.create("video.loss", "CAM-V"))
    await platform.pipeline.submit(Event.create("video.loss", "CAM-V"))  # the same fault again
    inspection = {"item": "F-01", "results": [{"check": "无破损", "ok": False}]}
    await platform.pipeline.submit(
        Event.create("physical.inspection", "CAM-P1", payload=inspection)
    )
    await platform.pipeline.submit(
        Event.create(
            "physical.inspection",
            "CAM-P1",
            payload={"item": "F-02", "results": [{"check": "x", "ok": True}]},
        )
    )
    orders = (await c.get(f"{BASE}/orders", headers=admin, params={"state": "open"})).json()
    assert sorted((o["device_code"], o["source"]) for o in orders) == [
        ("CAM-V", "video_loss"),
        ("F-01", "inspection"),
    ]
    loss = next(o for o in orders if o["source"] == "video_loss")
    assert loss["priority"] == 2 and loss["opened_by"] == "system" and loss["event_id"]

    operator = await user(c, admin, "op", "operator")
    assert (
        await c.post(f"{BASE}/orders/{loss['id']}/assign", headers=operator, json={"assignee": "x"})
    ).status_code == 403
    r = await c.post(
        f"{BASE}/orders/{loss['id']}/assign", headers=admin, json={"assignee": "维保张工"}
    )
    assert r.json()["state"] == "assigned"
    assert (
        await c.post(f"{BASE}/orders/{loss['id']}/close", headers=admin, json={"note": ""})
    ).status_code == 422
    photo = base64.b64encode(b"jpeg").decode()
    close = {"note": "更换电源", "attachments": [{"name": "修复.jpg", "content_b64": photo}]}
    r = await c.post(f"{BASE}/orders/{loss['id']}/close", headers=admin, json=close)
    assert r.json()["state"] == "closed" and r.json()["evidence"][0]["name"] == "修复.jpg"
    r = await c.post(f"{BASE}/orders/{loss['id']}/close", headers=admin, json=close)
    assert r.status_code == 409 and r.json()["code"] == "work_order_closed"
    await platform.pipeline.submit(Event.create("video.loss", "CAM-V"))  # a new fault: a new order
    history = (await c.get(f"{BASE}/devices/CAM-V", headers=admin)).json()
    assert [o["state"] for o in history["work_orders"]] == ["open", "closed"]
    assert (await c.get(f"{BASE}/devices/NOPE", headers=admin)).status_code == 404


async def test_overdue_work_orders_escalate_per_sla_period(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    c, admin = app_client, auth(admin_token)
    r = await c.post(f"{BASE}/orders", headers=admin, json={"title": "门禁失灵", "priority": 1})
    assert r.status_code == 201 and r.json()["source"] == "manual"
    wid = r.json()["id"]

    def late(hours: float):  # type: ignore[no-untyped-def]
        def job(ctx) -> None:  # type: ignore[no-untyped-def]
            ctx.session.get(WorkOrder, wid).due_at = utcnow() - timedelta(hours=hours)

        return job

    clock = next(x for x in platform.components if isinstance(x, ComplianceClock))
    await platform.writer.run(late(1))
    await clock.check_now()
    await clock.check_now()
    await platform.writer.run(late(5))  # past a second 4-hour period
    await clock.check_now()
    with platform.read_session() as s:
        levels = [
            e.payload["level"]
            for e in s.scalars(select(EventRow).where(EventRow.kind == "maintenance.overdue"))
        ]
    assert levels == [1, 2]


async def test_product_data(app_client: httpx.AsyncClient, admin_token: str) -> None:
    c, admin = app_client, auth(admin_token)
    await import_site(c, admin)
    data = {
        "manufacturer": "海康威视",
        "model": "DS-2CD",
        "certificate": "CCC 2023",
        "firmware": "V5",
        "installed_on": "2026-09-20",
    }
    assert (
        await c.put(f"{BASE}/devices/CAM-V/product", headers=admin, json=data)
    ).status_code == 204
    assert (await c.get(f"{BASE}/devices/CAM-V", headers=admin)).json()["product"] == data
    # The checker's INV-01: one of the site's eight devices has its product data.
    r = await c.post("/api/v1/compliance/reports", json={"mode": "live"}, headers=admin)
    body = (await c.get(f"/api/v1/compliance/reports/{r.json()['id']}", headers=admin)).json()
    inv = next(x for x in body["results"] if x["rule"] == "INV-01")
    assert (inv["state"], inv["strength"], inv["measured"]) == ("fail", "recommended", 0.125)
    assert "8 台中 1 台产品信息完整" in inv["evidence"][0] and "南门车行摄像机" not in " ".join(
        inv["evidence"]
    )
    bad = {**data, "installed_on": "20 Sept"}
    assert (
        await c.put(f"{BASE}/devices/CAM-V/product", headers=admin, json=bad)
    ).status_code == 422
    assert (
        await c.put(f"{BASE}/devices/NOPE/product", headers=admin, json=data)
    ).status_code == 404
