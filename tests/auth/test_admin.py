"""The user life cycle over the API: create, first-login password change, role change,
disable and enable, reset; sessions revoked; the last admin kept; every step audited."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from tests.conftest import auth, login

V1 = "/api/v1"
PW = "temporary-pass-1"


def _actions(platform: Platform, target: str) -> list[str]:
    with platform.read_session() as s:
        rows = s.scalars(
            select(AuditEntry.action).where(AuditEntry.target == target).order_by(AuditEntry.seq)
        )
        return list(rows)


async def test_life_cycle(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    c, h = app_client, auth(admin_token)
    body = {"username": "li", "password": PW, "role": "operator", "display_name": "李值班"}
    r = await c.post(f"{V1}/users", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["must_change_password"] is True and r.json()["last_login_at"] is None
    assert (await c.post(f"{V1}/users", json=body, headers=h)).status_code == 409

    # First login: told to change the password; the change keeps this session only.
    first = await login(c, "li", PW)
    other = await login(c, "li", PW)
    me = (await c.get(f"{V1}/me", headers=auth(first))).json()
    assert me["must_change_password"] is True
    r = await c.get(f"{V1}/events", headers=auth(first))
    assert r.status_code == 403 and "password change required" in r.json()["detail"]
    bad = {"current_password": "wrong-password-9", "new_password": "li-own-password-2"}
    assert (await c.post(f"{V1}/me/password", json=bad, headers=auth(first))).status_code == 403
    weak = {"current_password": PW, "new_password": "short"}
    r = await c.post(f"{V1}/me/password", json=weak, headers=auth(first))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.new_password"
    ok = {"current_password": PW, "new_password": "li-own-password-2"}
    assert (await c.post(f"{V1}/me/password", json=ok, headers=auth(first))).status_code == 204
    assert (await c.get(f"{V1}/me", headers=auth(first))).json()["must_change_password"] is False
    assert (await c.get(f"{V1}/me", headers=auth(other))).status_code == 401

    # Last login is shown; a role change and a disable end the sessions.
    users = {u["username"]: u for u in (await c.get(f"{V1}/users", headers=h)).json()}
    assert users["li"]["last_login_at"] is not None and users["li"]["role"] == "operator"
    r = await c.patch(f"{V1}/users/li", json={"role": "supervisor"}, headers=h)
    assert r.status_code == 200 and r.json()["role"] == "supervisor"
    assert (await c.get(f"{V1}/me", headers=auth(first))).status_code == 401
    token = await login(c, "li", "li-own-password-2")
    r = await c.patch(f"{V1}/users/li", json={"disabled": True}, headers=h)
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert (await c.get(f"{V1}/me", headers=auth(token))).status_code == 401
    r = await c.post(f"{V1}/auth/token", json={"username": "li", "password": "li-own-password-2"})
    assert r.status_code == 401
    assert (await c.patch(f"{V1}/users/li", json={"disabled": False}, headers=h)).status_code == 200

    # An administrator's reset is temporary again and ends the sessions.
    token = await login(c, "li", "li-own-password-2")
    r = await c.post(f"{V1}/users/li/password", json={"password": "reset-by-admin-3"}, headers=h)
    assert r.status_code == 204
    assert (await c.get(f"{V1}/me", headers=auth(token))).status_code == 401
    token = await login(c, "li", "reset-by-admin-3")
    assert (await c.get(f"{V1}/me", headers=auth(token))).json()["must_change_password"] is True

    assert _actions(platform, "user:li") == [
        "user.create",
        "user.password_change",
        "user.update",
        "user.disable",
        "user.enable",
        "user.password_reset",
    ]


async def test_refusals(app_client: httpx.AsyncClient, admin_token: str) -> None:
    c, h = app_client, auth(admin_token)
    # The last enabled administrator cannot lock everybody out.
    r = await c.patch(f"{V1}/users/admin", json={"disabled": True}, headers=h)
    assert r.status_code == 409, r.text
    r = await c.patch(f"{V1}/users/admin", json={"role": "operator"}, headers=h)
    assert r.status_code == 409
    assert (await c.patch(f"{V1}/users/nobody", json={}, headers=h)).status_code == 404
    r = await c.post(f"{V1}/users/admin/password", json={"password": "admin"}, headers=h)
    assert r.status_code == 422
    r = await c.post(
        f"{V1}/users", json={"username": "x y", "password": PW, "role": "operator"}, headers=h
    )
    assert r.status_code == 422
    # Only administrators manage users.
    await c.post(
        f"{V1}/users", json={"username": "op", "password": PW, "role": "operator"}, headers=h
    )
    op = auth(await login(c, "op", PW))
    assert (await c.get(f"{V1}/users", headers=op)).status_code == 403
    assert (await c.patch(f"{V1}/users/op", json={"role": "admin"}, headers=op)).status_code == 403
