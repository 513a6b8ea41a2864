"""The alarm-account API: validation, conflicts, permissions, and keys never returned."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from anfang.api.app import create_app
from anfang.core.platform import Platform
from anfang.subsystems.home_alarm.api import router
from tests.conftest import ADMIN_PASSWORD, auth, login

KEY = "0F" * 32


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The app with this router mounted (until the lead registers it in ROUTERS)."""
    app = create_app(platform.settings, platform=platform)
    if not any(getattr(r, "path", "") == "/api/v1/alarm-accounts" for r in app.routes):
        app.include_router(router, prefix="/api/v1")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://anfang.test") as c:
        yield c


async def test_create_list_get_without_keys(client: httpx.AsyncClient) -> None:
    h = auth(await login(client, "admin", ADMIN_PASSWORD))
    r = await client.post("/api/v1/alarm-accounts", json={"account": "1234", "key": KEY}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["has_key"] is True and r.json()["kind"] == "home"
    r2 = await client.post(
        "/api/v1/alarm-accounts", json={"account": "5678", "kind": "perimeter"}, headers=h
    )
    assert r2.status_code == 201 and r2.json()["has_key"] is False
    listing = await client.get("/api/v1/alarm-accounts", headers=h)
    one = await client.get("/api/v1/alarm-accounts/1234", headers=h)
    assert [a["account"] for a in listing.json()] == ["1234", "5678"]
    assert one.json()["account"] == "1234"
    for resp in (r, r2, listing, one):
        assert KEY not in resp.text and KEY.lower() not in resp.text and "key_hex" not in resp.text
    assert (await client.get("/api/v1/alarm-accounts/9999", headers=h)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"account": "12"},
        {"account": "XYZ1"},
        {"account": "1234", "key": "ABC"},
        {"account": "1234", "key": "00" * 20},
        {"account": "1234", "kind": "office"},
        {"account": "1234", "household_id": 12345},
    ],
)
async def test_bad_input_is_422(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    h = auth(await login(client, "admin", ADMIN_PASSWORD))
    r = await client.post("/api/v1/alarm-accounts", json=body, headers=h)
    assert r.status_code == 422, r.text


async def test_duplicate_is_409(client: httpx.AsyncClient) -> None:
    h = auth(await login(client, "admin", ADMIN_PASSWORD))
    assert (
        await client.post("/api/v1/alarm-accounts", json={"account": "ab1"}, headers=h)
    ).is_success
    r = await client.post("/api/v1/alarm-accounts", json={"account": "AB1"}, headers=h)
    assert r.status_code == 409


async def test_operator_may_read_not_write(platform: Platform, client: httpx.AsyncClient) -> None:
    await platform.users.create("op", "a-long-password-1", "operator", "system")
    h = auth(await login(client, "op", "a-long-password-1"))
    r = await client.post("/api/v1/alarm-accounts", json={"account": "1234"}, headers=h)
    assert r.status_code == 403
    assert (await client.get("/api/v1/alarm-accounts", headers=h)).status_code == 200
    assert (await client.get("/api/v1/alarm-accounts")).status_code == 401
