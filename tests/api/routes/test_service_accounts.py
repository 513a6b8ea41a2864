"""Service accounts: API keys with a role, narrowed scopes, expiry, rotation, last use,
revocation; only administrators manage them; every step audited."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import AuditEntry, ServiceAccount
from tests.conftest import auth, first_login

SA = "/api/v1/service-accounts"


async def _create(c: httpx.AsyncClient, admin: str, **body: object) -> str:
    r = await c.post(SA, json={"name": "vms-sync", "role": "operator", **body}, headers=auth(admin))
    assert r.status_code == 201, r.text
    key: str = r.json()["key"]
    assert key.startswith("ak_")
    return key


async def test_a_key_works_as_its_role_and_is_listed_without_the_key(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    key = await _create(app_client, admin_token)
    assert (await app_client.get("/api/v1/events", headers=auth(key))).status_code == 200
    r = await app_client.get("/api/v1/users", headers=auth(key))
    assert r.status_code == 403  # an operator's grants, no more
    listed = (await app_client.get(SA, headers=auth(admin_token))).json()
    assert [a["name"] for a in listed] == ["vms-sync"] and listed[0]["state"] == "active"
    assert key not in str(listed) and listed[0]["key_prefix"] == key[:16] + "…"
    assert listed[0]["last_used_at"] is not None
    # What a service account does is audited under its own name.
    r = await app_client.post(
        "/api/v1/events",
        json={"kind": "perimeter.intrusion", "source": "PZ-1"},
        headers=auth(key),
    )
    assert r.status_code == 403  # operators may not submit events


async def test_scopes_narrow_the_role(app_client: httpx.AsyncClient, admin_token: str) -> None:
    key = await _create(app_client, admin_token, scopes=["events.read"])
    assert (await app_client.get("/api/v1/events", headers=auth(key))).status_code == 200
    r = await app_client.get("/api/v1/alarms", headers=auth(key))
    assert r.status_code == 403 and "alarms.read" in r.text


async def test_refusals(app_client: httpx.AsyncClient, admin_token: str) -> None:
    h = auth(admin_token)
    for body, status, text in (
        ({"name": "x", "role": "admin"}, 422, "may not have the role"),
        ({"name": "x", "role": "resident"}, 422, "may not have the role"),
        ({"name": "x", "role": "operator", "scopes": ["users.manage"]}, 422, "does not hold"),
        ({"name": "x", "role": "nobody"}, 422, "unknown role"),
        ({"name": "Bad Name", "role": "operator"}, 422, "name"),
    ):
        r = await app_client.post(SA, json=body, headers=h)
        assert r.status_code == status and text in r.text, (body, r.text)
    await _create(app_client, admin_token)
    r = await app_client.post(SA, json={"name": "vms-sync", "role": "auditor"}, headers=h)
    assert r.status_code == 409
    body = {"username": "op1", "password": "temporary-pw-1", "role": "operator"}
    assert (await app_client.post("/api/v1/users", json=body, headers=h)).status_code == 201
    op = await first_login(app_client, "op1", "temporary-pw-1")
    assert (await app_client.get(SA, headers=auth(op))).status_code == 403
    fake = "ak_aaaaaaaaaaaa_" + "A" * 43
    assert (await app_client.get("/api/v1/events", headers=auth(fake))).status_code == 401


async def test_rotation_revocation_and_expiry(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    h = auth(admin_token)
    old = await _create(app_client, admin_token)
    r = await app_client.post(f"{SA}/vms-sync/rotate", json={"grace_seconds": 300}, headers=h)
    new = r.json()["key"]
    for key in (old, new):  # within the grace period both work
        assert (await app_client.get("/api/v1/events", headers=auth(key))).status_code == 200
    r = await app_client.post(f"{SA}/vms-sync/rotate", json={}, headers=h)
    newest = r.json()["key"]
    for key in (old, new):
        assert (await app_client.get("/api/v1/events", headers=auth(key))).status_code == 401
    assert (await app_client.get("/api/v1/events", headers=auth(newest))).status_code == 200

    def expire(ctx: WriteContext) -> None:
        ctx.session.execute(
            update(ServiceAccount).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    await platform.writer.run(expire)
    platform.service_accounts._cache.clear()
    assert (await app_client.get("/api/v1/events", headers=auth(newest))).status_code == 401
    assert (await app_client.get(SA, headers=h)).json()[0]["state"] == "expired"

    again = await app_client.post(f"{SA}/vms-sync/rotate", json={}, headers=h)
    key = again.json()["key"]
    assert (await app_client.get("/api/v1/events", headers=auth(key))).status_code == 200
    assert (await app_client.post(f"{SA}/vms-sync/revoke", headers=h)).status_code == 204
    assert (await app_client.get("/api/v1/events", headers=auth(key))).status_code == 401
    assert (await app_client.get(SA, headers=h)).json()[0]["state"] == "revoked"
    assert (await app_client.post(f"{SA}/vms-sync/rotate", json={}, headers=h)).status_code == 409
    with platform.read_session() as s:
        actions = list(
            s.scalars(select(AuditEntry.action).where(AuditEntry.target == "service:vms-sync"))
        )
    assert actions == [
        "service_account.create",
        "service_account.rotate",
        "service_account.rotate",
        "service_account.rotate",
        "service_account.revoke",
    ]
