"""Authentication, roles, throttling, and that logins and denials are audited."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from tests.conftest import auth, first_login


def _actions(p: Platform) -> list[str]:
    with p.read_session() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


async def test_bad_password_then_throttled(
    app_client: httpx.AsyncClient, platform: Platform
) -> None:
    for _ in range(platform.settings.login_max_failures):
        r = await app_client.post(
            "/api/v1/auth/token", json={"username": "admin", "password": "wrong"}
        )
        assert r.status_code == 401
    r = await app_client.post("/api/v1/auth/token", json={"username": "admin", "password": "wrong"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    actions = _actions(platform)
    assert actions.count("login.failed") == platform.settings.login_max_failures
    assert "login.throttled" in actions


async def test_missing_and_bad_tokens(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/api/v1/events")).status_code == 401
    r = await app_client.get("/api/v1/events", headers=auth("not-a-token"))
    assert r.status_code == 401 and r.json()["detail"] == "invalid or expired token"


async def test_roles_are_enforced_and_denials_audited(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    for user, role in (("insp", "police_inspector"), ("op1", "operator")):
        r = await app_client.post(
            "/api/v1/users",
            headers=auth(admin_token),
            json={"username": user, "password": "long-enough-pw", "role": role},
        )
        assert r.status_code == 201, r.text
    inspector = await first_login(app_client, "insp", "long-enough-pw")
    operator = await first_login(app_client, "op1", "long-enough-pw")
    assert (await app_client.get("/api/v1/events", headers=auth(inspector))).status_code == 200
    assert (await app_client.get("/api/v1/audit", headers=auth(inspector))).status_code == 200
    r = await app_client.post(
        "/api/v1/users",
        headers=auth(inspector),
        json={"username": "x", "password": "long-enough-pw", "role": "admin"},
    )
    assert r.status_code == 403
    assert (await app_client.get("/api/v1/audit", headers=auth(operator))).status_code == 403
    r = await app_client.post(
        "/api/v1/events", headers=auth(operator), json={"kind": "access.granted", "source": "G"}
    )
    assert r.status_code == 403
    assert _actions(platform).count("access.denied") == 3
    r = await app_client.get("/api/v1/me", headers=auth(operator))
    assert r.json()["role"] == "operator"
    # The console shows times in the site's zone, whatever zone the workstation is set to.
    assert r.json()["timezone"] == platform.settings.site_timezone
    # What the role may do, so the console offers only that (the server still checks).
    assert "alarms.handle" in r.json()["permissions"]
    assert "users.manage" not in r.json()["permissions"]


async def test_duplicate_user_and_weak_password(
    app_client: httpx.AsyncClient, admin_token: str
) -> None:
    r = await app_client.post(
        "/api/v1/users",
        headers=auth(admin_token),
        json={"username": "admin", "password": "long-enough-pw", "role": "admin"},
    )
    assert r.status_code == 409
    r = await app_client.post(
        "/api/v1/users",
        headers=auth(admin_token),
        json={"username": "bob", "password": "short", "role": "operator"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.password"


async def test_logout_revokes_token(app_client: httpx.AsyncClient, admin_token: str) -> None:
    assert (
        await app_client.post("/api/v1/auth/logout", headers=auth(admin_token))
    ).status_code == 204
    assert (await app_client.get("/api/v1/me", headers=auth(admin_token))).status_code == 401
