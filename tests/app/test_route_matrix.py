"""Generated from the app's own routes: every route names a permission (or is on a short,
reviewed list of public ones), each role gets exactly what the grants say, and no path or
query number a caller can send makes the API answer 500 (issue 14, items 6 and the
route × role matrix)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts

from anfang.api.deps import current_principal
from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.auth.rbac import Perm, Role, allowed
from tests.conftest import auth, first_login

# Reviewed: who may call these without a user's token, and why.
PUBLIC = {
    ("POST", "/api/v1/auth/token"): "the login itself",
    ("POST", "/api/v1/ingest/events"): "devices: HMAC-signed (docs/http-push.md)",
    ("POST", "/api/v1/ingest/heartbeat"): "devices: HMAC-signed",
    ("POST", "/api/v1/access/terminal/credential"): "terminals: HMAC-signed",
    ("POST", "/api/v1/access/terminal/face"): "terminals: HMAC-signed",
    ("POST", "/api/v1/access/terminal/status"): "terminals: HMAC-signed",
    ("POST", "/api/v1/access/terminal/poll"): "terminals: HMAC-signed",
    ("POST", "/api/v1/parking/reads"): "LPR cameras: HMAC-signed (docs/parking.md)",
    ("POST", "/api/v1/parking/vzenith"): "Vzenith cameras: known serial, from its set address",
    ("GET", "/healthz"): "liveness for a service manager; says ok or degraded only",
    ("POST", "/VIID/Subscribes"): "GA/T 1400 view library: digest as a configured upper",
}
SELF_ONLY = {"/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"}  # any user, own data
WEBSOCKETS = {"/api/v1/stream": Perm.EVENTS_READ, "/api/v1/video/live/{code}": Perm.VIDEO_VIEW}
BIG = 2**63
PASSWORD = "temporary-pw-9x"


def _calls(dep: Dependant) -> Iterator[Any]:
    yield dep.call
    for sub in dep.dependencies:
        yield from _calls(sub)


def _guard(route: APIRoute) -> list[tuple[Perm, ...]] | str | None:
    """What a route requires: every check's permissions (any one of each), "user" for
    any logged-in user, else None."""
    found = [getattr(c, "permissions", None) for c in _calls(route.dependant)]
    perms = [p for p in found if isinstance(p, tuple)]
    if perms:
        return perms
    if any(c is current_principal for c in _calls(route.dependant)):
        return "user"
    return None


def _app() -> FastAPI:
    return create_app()


def _routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    out = []
    for ctx in iter_route_contexts(app.routes):  # included routers are resolved lazily
        r, path = ctx.route, ctx.path or ""
        if isinstance(r, APIRoute) and path.startswith(("/api/", "/healthz", "/metrics", "/VIID/")):
            out += [(m, path, r) for m in sorted((ctx.methods or set()) - {"HEAD"})]
    assert len(out) > 100  # the walk found the routers' routes
    return out


def test_every_route_names_a_permission() -> None:
    app = _app()
    missing = []
    for method, path, route in _routes(app):
        guard = _guard(route)
        if (method, path) in PUBLIC:
            assert guard is None, f"{method} {path} is listed public but has {guard}"
        elif guard is None or (guard == "user" and path not in SELF_ONLY):
            missing.append(f"{method} {path}")
    assert not missing, "routes without a permission: " + ", ".join(missing)
    sockets = {
        c.path for c in iter_route_contexts(app.routes) if isinstance(c.route, APIWebSocketRoute)
    }
    assert sockets == set(WEBSOCKETS), "a new WebSocket: authenticate it with ws_auth.accept"


def _fill(path: str, value: object) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


@pytest.fixture
async def tokens(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> dict[Role, str]:
    out = {Role.ADMIN: admin_token}
    for role in Role:
        if role is Role.ADMIN:
            continue
        name = f"u-{role.value.replace('_', '-')}"
        body = {"username": name, "password": PASSWORD, "role": role.value}
        r = await app_client.post("/api/v1/users", json=body, headers=auth(admin_token))
        assert r.status_code == 201, r.text
        out[role] = await first_login(app_client, name, PASSWORD)
    return out


async def test_each_role_gets_what_its_grants_say(
    app_client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    app = _app()
    wrong = []
    for method, path, route in _routes(app):
        guard = _guard(route)
        if not isinstance(guard, list) or method == "DELETE":
            continue  # DELETE: checked by the role only, never sent with a real id
        url = _fill(path, 987654)
        anonymous = await app_client.request(method, url)
        if anonymous.status_code != 401:
            wrong.append(f"{method} {path} without a token: {anonymous.status_code}")
        for role, token in tokens.items():
            r = await app_client.request(method, url, headers=auth(token))
            refused = r.status_code == 403 and "lacks permission" in r.text
            if refused == all(any(allowed(role, p) for p in check) for check in guard):
                wrong.append(f"{method} {path} as {role}: {r.status_code} (needs {guard})")
    assert not wrong, "\n".join(wrong)


async def test_no_number_makes_a_500(app_client: httpx.AsyncClient, admin_token: str) -> None:
    """Issue 14 item 6: ids and filters >= 2^63 answered 500 (OverflowError)."""
    app = _app()
    h = auth(admin_token)
    bad = []
    for method, path, route in _routes(app):
        if (method, path) in PUBLIC or method == "DELETE" or "/auth/" in path:
            continue
        ints = [
            p.name
            for p in route.dependant.query_params
            if p.field_info.annotation in (int, int | None)
        ]
        urls = [_fill(path, BIG)] if "{" in path else []
        urls += [f"{_fill(path, 1)}?{name}={BIG}" for name in ints]
        for url in urls:
            r = await app_client.request(method, url, headers=h)
            if r.status_code >= 500:
                bad.append(f"{method} {url}: {r.status_code} {r.text[:80]}")
    assert not bad, "\n".join(bad)


async def test_patch_with_null_is_refused_not_500(
    app_client: httpx.AsyncClient, admin_token: str
) -> None:
    """Issue 14 item 6: PATCH with null for a required column answered 500."""
    h = auth(admin_token)
    door = await app_client.post(
        "/api/v1/access/doors", json={"code": "D-N", "name": "门", "kind": "door"}, headers=h
    )
    assert door.status_code == 201, door.text
    holder = await app_client.post(
        "/api/v1/access/holders", json={"kind": "staff", "name": "王"}, headers=h
    )
    cred = await app_client.post(
        "/api/v1/access/credentials",
        json={"holder_id": holder.json()["id"], "kind": "card", "value": "12345678"},
        headers=h,
    )
    assert cred.status_code == 201, cred.text
    for url, field in (
        (f"/api/v1/access/doors/{door.json()['id']}", "name"),
        (f"/api/v1/access/doors/{door.json()['id']}", "enabled"),
        (f"/api/v1/access/credentials/{cred.json()['id']}", "state"),
        (f"/api/v1/access/credentials/{cred.json()['id']}", "label"),
        (f"/api/v1/access/holders/{holder.json()['id']}", "name"),
    ):
        r = await app_client.patch(url, json={field: None}, headers=h)
        assert r.status_code == 422 and "may not be null" in r.text, (url, field, r.text)
    again = await app_client.post(
        "/api/v1/access/doors", json={"code": "D-N", "name": "门", "kind": "door"}, headers=h
    )
    assert again.status_code == 409 and "constraint" not in again.text.lower()
