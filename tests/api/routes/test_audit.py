"""Audit routes: reading is itself audited; verification over HTTP."""

from __future__ import annotations

import httpx

from tests.conftest import auth


async def test_read_and_verify(app_client: httpx.AsyncClient, admin_token: str) -> None:
    h = auth(admin_token)
    r = await app_client.get("/api/v1/audit", headers=h, params={"limit": 5})
    assert r.status_code == 200
    actions = [e["action"] for e in r.json()["items"]]
    assert actions[0] == "audit.read"  # this very read is the newest entry
    assert "login.success" in actions
    r = await app_client.get("/api/v1/audit", headers=h, params={"action": "login.success"})
    assert {e["action"] for e in r.json()["items"]} == {"login.success"}
    r = await app_client.post("/api/v1/audit/verify", headers=h)
    assert r.json()["ok"] is True and r.json()["entries"] >= 4
