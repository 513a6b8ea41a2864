"""The inventory with its findings, inspections opening repairs, repairs closed only with
evidence, overdue repairs alarmed once, damage reports from guards' readers and a
detector's tamper opening records."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.ingest import http_push as hp
from anfang.store.models import Alarm, AuditEntry, EventRow
from anfang.subsystems.physical.component import PhysicalComponent
from tests.conftest import auth
from tests.ingest.conftest import add_device

SECRET = "0123456789abcdef0123456789abcdef"


async def push(
    c: httpx.AsyncClient, code: str, kind: str, payload: dict[str, Any]
) -> httpx.Response:
    ev = {
        "id": f"e{time.time_ns()}",
        "kind": kind,
        "occurred_at": datetime.now(UTC).isoformat(),
        "payload": payload,
    }
    body = orjson.dumps({"events": [ev]})
    ts = str(int(time.time()))
    headers = {
        hp.HEADER_DEVICE: code,
        hp.HEADER_TIMESTAMP: ts,
        hp.HEADER_SIGNATURE: hp.sign(SECRET, ts, body),
        "Content-Type": "application/json",
    }
    return await c.post("/api/v1/ingest/events", content=body, headers=headers)


async def test_inventory_inspections_and_repairs(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    c, h = app_client, auth(admin_token)
    await add_device(platform, "PR-1", SECRET, subsystem="patrol")
    fence = {
        "code": "F-1",
        "name": "北围墙",
        "kind": "fence",
        "height_m": 1.6,
        "geometry": [[0, 0], [50, 0]],
        "anti_climb": ["刺丝"],
    }
    r = await c.post("/api/v1/physical/items", json=fence, headers=h)
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["compliant"] is False and item["findings"][0]["rule"] == "fence_height"
    assert item["checklist"][0] == "无破损、无缺口"  # the kind's default checklist
    bad = await c.post("/api/v1/physical/items", json={**fence, "kind": "moat"}, headers=h)
    assert bad.status_code == 422
    assert (await c.post("/api/v1/physical/items", json=fence, headers=h)).status_code == 409
    r = await c.put(
        f"/api/v1/physical/items/{item['id']}", json={**fence, "height_m": 2.0}, headers=h
    )
    assert r.json()["compliant"] is True

    ok = {"item_id": item["id"], "results": [{"check": "无破损、无缺口", "ok": True}]}
    r = await c.post("/api/v1/physical/inspections", json=ok, headers=h)
    assert r.status_code == 201 and r.json()["passed"] and r.json()["repair_id"] is None
    failed = {
        "item_id": item["id"],
        "deadline_days": 3,
        "results": [
            {"check": "无破损、无缺口", "ok": False, "note": "网片破洞"},
            {"check": "防攀爬设施完好", "ok": True},
        ],
    }
    r = await c.post("/api/v1/physical/inspections", json=failed, headers=h)
    repair_id = r.json()["repair_id"]
    assert repair_id is not None
    (repair,) = (
        await c.get("/api/v1/physical/repairs", params={"state": "open"}, headers=h)
    ).json()
    assert "网片破洞" in repair["description"] and repair["source"] == "inspection"
    items = (await c.get("/api/v1/physical/items", headers=h)).json()
    assert items[0]["status"] == "damaged" and items[0]["open_repairs"] == 1

    url = f"/api/v1/physical/repairs/{repair_id}"
    assert (await c.patch(url, json={"state": "closed"}, headers=h)).status_code == 422
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    r = await c.patch(url, json={"assignee": "维保公司", "deadline": past}, headers=h)
    assert r.json()["overdue"] is True
    comp = next(x for x in platform.components if isinstance(x, PhysicalComponent))
    assert await comp.check_now() == 1
    assert await comp.check_now() == 0  # once
    with platform.read_session() as s:
        alarms = s.scalars(select(Alarm)).all()
        (ev,) = s.scalars(select(EventRow).where(EventRow.kind == "physical.repair_overdue")).all()
    assert ev.payload["item"] == "F-1" and len(alarms) == 1
    r = await c.patch(url, json={"state": "closed", "evidence": "已更换网片，照片存档"}, headers=h)
    assert r.json()["state"] == "closed" and r.json()["overdue"] is False
    assert (await c.patch(url, json={"assignee": "x"}, headers=h)).status_code == 409
    items = (await c.get("/api/v1/physical/items", headers=h)).json()
    assert items[0]["status"] == "ok"

    # A guard's reader reports damage (a patrol device may send physical.damage).
    r = await push(c, "PR-1", "physical.damage", {"item": "F-1", "description": "围栏被剪开"})
    assert r.status_code == 200, r.text
    r = await push(c, "PR-1", "physical.repair_overdue", {})
    assert r.status_code == 403  # the platform's own verdict
    open_ = (await c.get("/api/v1/physical/repairs", params={"state": "open"}, headers=h)).json()
    assert [(x["source"], x["description"]) for x in open_] == [("report", "围栏被剪开")]
    summary = (await c.get("/api/v1/physical/summary", headers=h)).json()
    assert (summary["items"], summary["repairs_open"], summary["inspections_30d"]) == (1, 1, 2)
    assert summary["inspections_failed_30d"] == 1 and summary["damaged"] == 1
    with platform.read_session() as s:
        actions = [
            a.action for a in s.scalars(select(AuditEntry)) if a.action.startswith("physical")
        ]
    assert actions[:3] == ["physical.item_save", "physical.item_save", "physical.inspect"]


async def test_a_detector_tamper_opens_one_record(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    c, h = app_client, auth(admin_token)
    await add_device(platform, "BEAM-1", SECRET, subsystem="perimeter")
    for _ in range(3):  # a detector repeats itself
        r = await push(c, "BEAM-1", "perimeter.tamper", {})
        assert r.status_code == 200, r.text
    open_ = (await c.get("/api/v1/physical/repairs", params={"state": "open"}, headers=h)).json()
    assert [x["source"] for x in open_] == ["tamper"]
    assert "BEAM-1" in open_[0]["description"]


async def test_a_guard_inspects_at_the_checkpoint_with_a_reader(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    c, h = app_client, auth(admin_token)
    await add_device(platform, "PR-2", SECRET, subsystem="patrol")
    door = {
        "code": "D-1",
        "name": "1号楼1单元门",
        "kind": "entrance_door",
        "locking": "multi_point",
    }
    assert (await c.post("/api/v1/physical/items", json=door, headers=h)).status_code == 201
    ok = [{"check": "门体完好", "ok": True}, {"check": "闭门器正常", "ok": True}]
    bad = [
        {"check": "门体完好", "ok": True},
        {"check": "多点锁闭有效", "ok": False, "note": "锁舌卡滞"},
    ]
    for payload in (
        {"item": "D-1", "results": ok, "guard": "G01"},
        {"item": "D-1", "results": bad, "guard": "G01"},
        {"item": "D-9", "results": ok},
        {"item": "D-1", "results": "all fine"},
    ):
        r = await push(c, "PR-2", "physical.inspection", payload)
        assert r.status_code == 200, r.text
    done = (await c.get("/api/v1/physical/inspections", headers=h)).json()
    assert sorted(i["passed"] for i in done) == [False, True]
    assert all(i["inspector"] == "device:PR-2/G01" for i in done)
    (repair,) = (
        await c.get("/api/v1/physical/repairs", params={"state": "open"}, headers=h)
    ).json()
    assert "多点锁闭有效：锁舌卡滞" in repair["description"]
    with platform.read_session() as s:
        refused = [
            e.payload["refused"]
            for e in s.scalars(select(EventRow).where(EventRow.kind == "physical.inspection"))
            if "refused" in e.payload
        ]
    assert sorted(refused) == ["results: a list of {check, ok}", "unknown item"]
