"""The centre's routes end to end: history, duty and hand-over, report files (audited)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.base import utcnow
from anfang.store.models import AuditEntry
from tests.conftest import auth, first_login


async def test_history_duty_and_reports(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    h = auth(admin_token)
    r = await app_client.post(
        "/api/v1/events", headers=h, json={"kind": "perimeter.intrusion", "source": "PZ-01"}
    )
    assert r.status_code == 201
    r = await app_client.get("/api/v1/center/alarms", headers=h, params={"kind": "perimeter.*"})
    assert r.status_code == 200 and [a["source"] for a in r.json()["items"]] == ["PZ-01"]
    r = await app_client.get(
        "/api/v1/center/alarms", headers=h, params={"since": "2026-01-01T00:00:00"}
    )
    assert r.status_code == 422  # a time without its zone is refused, never guessed
    r = await app_client.get("/api/v1/center/alarms", headers=h, params={"kind": "x'; --"})
    assert r.status_code == 422

    assert (await app_client.get("/api/v1/center/duty", headers=h)).json() is None
    r = await app_client.post("/api/v1/center/log", headers=h, json={"text": "x"})
    assert r.status_code == 409 and r.json()["code"] == "no_shift"
    shift = (await app_client.post("/api/v1/center/shifts", headers=h)).json()
    r = await app_client.post(
        "/api/v1/center/log", headers=h, json={"text": "巡查东门", "category": "patrol"}
    )
    assert r.status_code == 201
    r = await app_client.post(
        f"/api/v1/center/shifts/{shift['id']}/handover", headers=h, json={"note": "无异常"}
    )
    assert r.status_code == 200 and r.json()["state"] == "handing_over"
    r = await app_client.post(
        "/api/v1/users",
        headers=h,
        json={"username": "op2", "password": "long-enough-pw", "role": "operator"},
    )
    op = auth(await first_login(app_client, "op2", "long-enough-pw"))
    r = await app_client.post(f"/api/v1/center/shifts/{shift['id']}/accept", headers=op, json={})
    assert r.status_code == 200 and r.json()["operator"] == "user:op2"
    r = await app_client.get(f"/api/v1/center/shifts/{shift['id']}/log", headers=h)
    assert r.json()["entries"][0]["text"] == "巡查东门" and r.json()["shift"]["state"] == "closed"

    day = utcnow().astimezone(platform.alarms.tz).date().isoformat()
    r = await app_client.get("/api/v1/center/reports/summary", headers=h, params={"day": day})
    assert r.status_code == 200 and r.json()["totals"]["alarms"] == 1
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
        r = await app_client.get(
            f"/api/v1/center/reports/summary.{fmt}",
            headers=h,
            params={"day": day, "period": "month"},
        )
        assert r.status_code == 200 and r.content.startswith(magic)
        assert "UTF-8''" in r.headers["content-disposition"]
    r = await app_client.get("/api/v1/center/reports/summary.doc", headers=h, params={"day": day})
    assert r.status_code == 422
    with platform.read_session() as s:
        exports = list(
            s.scalars(select(AuditEntry).where(AuditEntry.action == "center.report.export"))
        )
    assert len(exports) == 2


async def test_rules_routes(app_client: httpx.AsyncClient, admin_token: str) -> None:
    h = auth(admin_token)
    rule = {"name": "入侵联动", "kinds": ["perimeter.intrusion"], "actions": [{"type": "clip"}]}
    r = await app_client.post("/api/v1/center/rules", headers=h, json=rule)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["version"] == 1 and r.json()["problems"] == []
    r = await app_client.post(
        "/api/v1/center/rules", headers=h, json={**rule, "name": "x", "kinds": ["nope.nothing"]}
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown_kind"
    r = await app_client.post("/api/v1/center/rules", headers=h, json=rule)
    assert r.status_code == 409  # the name is taken
    r = await app_client.put(
        f"/api/v1/center/rules/{rid}", headers=h, json={**rule, "enabled": False}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await app_client.get(f"/api/v1/center/rules/{rid}/versions", headers=h)
    assert [v["version"] for v in r.json()] == [2, 1]
    r = await app_client.post("/api/v1/center/rules/dry-run", headers=h, json=rule)
    assert r.status_code == 200 and r.json()["matched"] == 0
    r = await app_client.post(
        "/api/v1/users",
        headers=h,
        json={"username": "op3", "password": "long-enough-pw", "role": "operator"},
    )
    op = auth(await first_login(app_client, "op3", "long-enough-pw"))
    r = await app_client.post("/api/v1/center/rules", headers=op, json={**rule, "name": "y"})
    assert r.status_code == 403
    assert (await app_client.get("/api/v1/center/rules", headers=op)).status_code == 200
    r = await app_client.delete(f"/api/v1/center/rules/{rid}", headers=h)
    assert r.status_code == 204
    assert (await app_client.get("/api/v1/center/rules", headers=h)).json() == []


def test_downtime_from_offline_and_online_events() -> None:
    from datetime import UTC, datetime, timedelta

    from anfang.subsystems.center.health import _downtime

    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    now = t0 + timedelta(hours=10)
    h = timedelta(hours=1)
    assert _downtime([], t0, now) == (0.0, 0)
    changes = [("device.offline", t0 + h), ("device.online", t0 + 3 * h)]
    assert _downtime(changes, t0, now) == (7200.0, 1)
    # online first: it was offline since the window began; offline at the end: down till now
    changes = [("device.online", t0 + h), ("device.offline", t0 + 9 * h)]
    assert _downtime(changes, t0, now) == (7200.0, 1)


async def test_health_route(app_client: httpx.AsyncClient, admin_token: str) -> None:
    r = await app_client.get("/api/v1/center/health", headers=auth(admin_token))
    assert r.status_code == 200 and r.json()["days"] == 7
    assert isinstance(r.json()["devices"], list)


async def test_maps_upload_place_and_refuse(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    from tests.subsystems.center.test_plans import png

    h = auth(admin_token)
    site = (
        await app_client.post("/api/v1/sites", headers=h, json={"code": "S", "name": "小区"})
    ).json()
    r = await app_client.post(
        "/api/v1/devices",
        headers=h,
        json={
            "site_id": site["id"],
            "code": "CAM-9",
            "name": "门口",
            "type": "camera",
            "subsystem": "video",
        },
    )
    assert r.status_code == 201, r.text
    r = await app_client.post(
        "/api/v1/center/maps",
        headers=h,
        data={"name": "1号楼 1层"},
        files={"file": ("f1.png", png(), "image/png")},
    )
    assert r.status_code == 201, r.text
    layer = r.json()["id"]
    r = await app_client.post(
        "/api/v1/center/maps",
        headers=h,
        data={"name": "坏"},
        files={"file": ("x.png", png()[:50], "image/png")},
    )
    assert r.status_code == 422 and r.json()["code"] == "plan_damaged"
    r = await app_client.put(
        f"/api/v1/center/maps/{layer}/devices/CAM-9", headers=h, json={"x": 0.5, "y": 0.25}
    )
    assert r.status_code == 204
    r = await app_client.put(
        f"/api/v1/center/maps/{layer}/devices/CAM-9", headers=h, json={"x": 1.5, "y": 0}
    )
    assert r.status_code == 422
    r = await app_client.put(
        f"/api/v1/center/maps/{layer}/devices/NOPE", headers=h, json={"x": 0, "y": 0}
    )
    assert r.status_code == 404
    r = await app_client.get("/api/v1/center/maps", headers=h)
    assert r.json()[0]["devices"] == [{"device": "CAM-9", "x": 0.5, "y": 0.25}]
    r = await app_client.get(f"/api/v1/center/maps/{layer}/image", headers=h)
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    assert "sandbox" in r.headers["content-security-policy"]
    assert (
        await app_client.delete(f"/api/v1/center/maps/{layer}/devices/CAM-9", headers=h)
    ).status_code == 204
    assert (await app_client.delete(f"/api/v1/center/maps/{layer}", headers=h)).status_code == 204
    assert (await app_client.get("/api/v1/center/maps", headers=h)).json() == []
