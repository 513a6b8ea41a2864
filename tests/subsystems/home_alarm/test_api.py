"""The alarm-account API: validation, conflicts, permissions, and keys never returned."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.subsystems.home_alarm.api import router
from anfang.subsystems.home_alarm.component import SIA_RECEIVER
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


async def test_partitions_zones_and_operator_arming(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    h = auth(await login(client, "admin", ADMIN_PASSWORD))
    r = await client.post("/api/v1/alarm-accounts", json={"account": "1234"}, headers=h)
    assert r.status_code == 201
    base = "/api/v1/alarm-accounts/1234"
    r = await client.put(f"{base}/partitions", json={"partition": "01", "name": "楼下"}, headers=h)
    assert r.status_code == 200 and r.json()["partition"] == "1" and r.json()["state"] == "unknown"
    r = await client.post(f"{base}/partitions/1/arm", json={"state": "armed"}, headers=h)
    assert r.status_code == 409 and "not operator-settable" in r.json()["detail"]
    r = await client.put(
        f"{base}/partitions", json={"partition": "1", "operator_settable": True}, headers=h
    )
    r = await client.post(f"{base}/partitions/1/arm", json={"state": "armed"}, headers=h)
    assert r.status_code == 200 and r.json()["state"] == "armed"
    r = await client.get(f"{base}/partitions", headers=h)
    assert [(p["partition"], p["state"]) for p in r.json()] == [("1", "armed")]
    r = await client.post(f"{base}/partitions/7/arm", json={"state": "armed"}, headers=h)
    assert r.status_code == 404
    r = await client.post(f"{base}/partitions/1/arm", json={"state": "stay"}, headers=h)
    assert r.status_code == 422
    r = await client.put(
        f"{base}/zones", json={"zone": "009", "zone_type": "panic", "room": "主卧"}, headers=h
    )
    assert r.status_code == 200 and r.json()["zone"] == "9"
    r = await client.put(f"{base}/zones", json={"zone": "3", "site_zone_id": 1}, headers=h)
    assert r.status_code == 422 and "perimeter accounts" in r.json()["detail"]
    r = await client.get(f"{base}/zones", headers=h)
    assert [(z["zone"], z["zone_type"], z["room"]) for z in r.json()] == [("9", "panic", "主卧")]
    r = await client.get("/api/v1/alarm-accounts/FFFF/zones", headers=h)
    assert r.status_code == 404


async def test_patch_rotates_and_removes_the_key(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    from tests.subsystems.home_alarm.adapters.test_sia_receiver import exchange, frame, kind_of

    h = auth(await login(client, "admin", ADMIN_PASSWORD))
    old, new = bytes(range(16)), bytes(range(16, 48))
    r = await client.post(
        "/api/v1/alarm-accounts", json={"account": "1234", "key": old.hex()}, headers=h
    )
    assert r.status_code == 201
    r = await client.patch(
        "/api/v1/alarm-accounts/1234", json={"key": new.hex(), "supervision_s": 600}, headers=h
    )
    assert r.status_code == 200 and r.json()["has_key"] and r.json()["supervision_s"] == 600
    assert new.hex().upper() not in r.text
    assert platform.capabilities.require(SIA_RECEIVER) is not None
    replies = await exchange(
        platform.capabilities.require(SIA_RECEIVER), frame("1234", 1, old), frame("1234", 2, new)
    )
    assert [kind_of(x) for x in replies] == [b"DUH", b"*ACK"]
    r = await client.patch("/api/v1/alarm-accounts/1234", json={"key": None}, headers=h)
    assert r.status_code == 200 and r.json()["has_key"] is False
    (reply,) = await exchange(platform.capabilities.require(SIA_RECEIVER), frame("1234", 3))
    assert kind_of(reply) == b"ACK"
    r = await client.patch("/api/v1/alarm-accounts/1234", json={"enabled": None}, headers=h)
    assert r.status_code == 422
    r = await client.patch("/api/v1/alarm-accounts/1234", json={"key": "12"}, headers=h)
    assert r.status_code == 422
    assert (
        await client.patch("/api/v1/alarm-accounts/9999", json={}, headers=h)
    ).status_code == 404
