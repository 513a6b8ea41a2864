"""Records rules: each record type kept at least its minimum, longer when the community
chooses, never shorter; what is actually held is reported; the checker sees both."""

from __future__ import annotations

import httpx

from anfang.app.platform import Platform
from anfang.compliance import records
from anfang.core.capabilities import RETENTION
from tests.compliance.conftest import import_site, user
from tests.conftest import auth

BASE = "/api/v1/compliance/retention"


def test_policy_never_below_the_minimum() -> None:
    p = records.Policy()
    assert p.days("video") == 30 and p.days("access") == 180 and p.days("nothing") is None
    p._days = {"video": 10, "alarm": 365}
    assert p.days("video") == 30 and p.days("alarm") == 365


async def test_retention_configured_and_reported(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    c, admin = app_client, auth(admin_token)
    police = await user(c, admin, "minjing", "police_inspector")
    rows = {r["record_type"]: r for r in (await c.get(BASE, headers=police)).json()}
    assert set(rows) == {"video", "alarm", "access", "patrol", "logs"}
    assert (rows["access"]["minimum_days"], rows["access"]["days"]) == (180, 180)
    assert rows["logs"]["held_days"] is not None and "转述" in rows["alarm"]["source"]

    r = await c.put(f"{BASE}/alarm", json={"days": 30}, headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "below_minimum"
    assert r.json()["params"]["minimum"] == 90
    assert (await c.put(f"{BASE}/nope", json={"days": 90}, headers=admin)).status_code == 409
    assert (await c.put(f"{BASE}/alarm", json={"days": 365}, headers=police)).status_code == 403
    assert (await c.put(f"{BASE}/alarm", json={"days": 365}, headers=admin)).status_code == 204
    assert platform.capabilities.require(RETENTION).days("alarm") == 365
    rows = {r["record_type"]: r for r in (await c.get(BASE, headers=admin)).json()}
    assert rows["alarm"]["days"] == 365 and rows["alarm"]["updated_by"] == "user:admin"

    await import_site(c, admin)
    r = await c.post("/api/v1/compliance/reports", json={"mode": "live"}, headers=admin)
    body = (await c.get(f"/api/v1/compliance/reports/{r.json()['id']}", headers=admin)).json()
    rec = {x["rule"]: x for x in body["results"]}
    # Logs: kept by rule, and everything since the system started is still held. Alarms:
    # none yet, so what is held cannot be judged (advisory, never a pass).
    assert rec["LOG-01"]["state"] == "pass"
    assert rec["REC-01"]["state"] == "advisory" and "尚无报警记录" in rec["REC-01"]["evidence"]
