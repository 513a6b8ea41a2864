"""The uplink's API: who may read and change it, validation with clear refusals, the
password write-only, national IDs unique and fitting the device's type."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from tests.conftest import auth, first_login
from tests.uplink.conftest import LOCAL_ID, UPPER_ID, add_devices

BASE = "/api/v1/uplink"
BODY = {
    "name": "市局",
    "protocol": "gb28181",
    "server_id": UPPER_ID,
    "host": "127.0.0.1",
    "port": 5,
    "local_id": LOCAL_ID,
    "password": "s3cret-pw",
}


async def _user(
    client: httpx.AsyncClient, admin: dict[str, str], name: str, role: str
) -> dict[str, str]:
    r = await client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": name, "password": "long-enough-pw", "role": role},
    )
    assert r.status_code == 201, r.text
    return auth(await first_login(client, name, "long-enough-pw"))


async def test_installers_configure_operators_read(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    admin = auth(admin_token)
    installer = await _user(app_client, admin, "inst", "installer")
    operator = await _user(app_client, admin, "op", "operator")
    r = await app_client.post(f"{BASE}/platforms", headers=installer, json=BODY)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["has_password"] and "password" not in out and out["realm"] == UPPER_ID[:10]
    assert out["state"] in ("starting", "registering", "offline")
    r = await app_client.post(f"{BASE}/platforms", headers=operator, json={**BODY, "name": "x"})
    assert r.status_code == 403
    r = await app_client.get(f"{BASE}/platforms", headers=operator)
    assert r.status_code == 200 and [p["name"] for p in r.json()] == ["市局"]
    r = await app_client.post(f"{BASE}/platforms", headers=installer, json=BODY)
    assert r.status_code == 409
    pid = out["id"]
    r = await app_client.put(
        f"{BASE}/platforms/{pid}", headers=installer, json={**BODY, "password": None, "port": 6}
    )
    assert r.status_code == 200 and r.json()["has_password"] and r.json()["port"] == 6
    with platform.read_session() as s:
        details = [
            str(a.detail)
            for a in s.scalars(select(AuditEntry).where(AuditEntry.action.like("uplink.%")))
        ]
    assert details and not any("s3cret-pw" in d for d in details)
    r = await app_client.delete(f"{BASE}/platforms/{pid}", headers=installer)
    assert r.status_code == 204
    r = await app_client.delete(f"{BASE}/platforms/{pid}", headers=installer)
    assert r.status_code == 404


async def test_bad_settings_are_refused_with_reasons(
    app_client: httpx.AsyncClient, admin_token: str
) -> None:
    admin = auth(admin_token)
    for change in (
        {"server_id": "123"},
        {"local_id": "3402000000200000009x"},
        {"transport": "http"},
        {"share": ["toaster"]},
        {"host": "admin:pw@10.0.0.1"},
        {"port": 0},
        {"charset": "latin1"},
    ):
        r = await app_client.post(f"{BASE}/platforms", headers=admin, json={**BODY, **change})
        assert r.status_code == 422, (change, r.text)


async def test_national_ids_are_listed_and_set_by_hand(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    admin = auth(admin_token)
    await add_devices(platform, [("CAM-1", "camera"), ("CAM-2", "camera"), ("GATE", "barrier")])
    r = await app_client.get(f"{BASE}/national-ids", headers=admin)
    rows = {x["code"]: x for x in r.json()}
    assert rows["CAM-1"]["type_code"] == "132" and rows["GATE"]["type_code"] == "141"
    dev = rows["CAM-1"]["device_id"]
    r = await app_client.put(
        f"{BASE}/national-ids/{dev}", headers=admin, json={"national_id": "11010500001320000077"}
    )
    assert r.status_code == 204
    r = await app_client.put(
        f"{BASE}/national-ids/{dev}", headers=admin, json={"national_id": "11010500001410000077"}
    )
    assert r.status_code == 422 and "type code" in r.text
    other = rows["CAM-2"]["device_id"]
    r = await app_client.put(
        f"{BASE}/national-ids/{other}", headers=admin, json={"national_id": "11010500001320000077"}
    )
    assert r.status_code == 409
    r = await app_client.put(
        f"{BASE}/national-ids/{other}", headers=admin, json={"national_id": "abc"}
    )
    assert r.status_code == 422
    r = await app_client.get(f"{BASE}/type-codes", headers=admin)
    assert r.json()["camera"] == "132"


async def test_an_upper_that_does_not_resolve_is_a_state_not_an_error(
    app_client: httpx.AsyncClient, admin_token: str
) -> None:
    body = {**BODY, "host": "no-such-host.invalid"}
    r = await app_client.post(f"{BASE}/platforms", headers=auth(admin_token), json=body)
    assert r.status_code == 201, r.text

    async def state() -> dict[str, str]:
        rows = (await app_client.get(f"{BASE}/platforms", headers=auth(admin_token))).json()
        return {"state": rows[0]["state"], "code": rows[0]["detail_code"]}

    for _ in range(100):
        if (await state())["state"] == "offline":
            break
        await asyncio.sleep(0.1)
    assert await state() == {"state": "offline", "code": "unreachable"}
