"""The site REST API through the real app: CRUD, permissions, errors, audit, site map."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from tests.conftest import ADMIN_PASSWORD, auth, login

V1 = "/api/v1"


def site_app(platform: Platform) -> FastAPI:
    """The real app (the site router is in the registry)."""
    return create_app(platform.settings, platform=platform)


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=site_app(platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://anfang.test") as c:
        yield c


@pytest.fixture
async def h(client: httpx.AsyncClient) -> dict[str, str]:
    return auth(await login(client, "admin", ADMIN_PASSWORD))


async def _post(c: httpx.AsyncClient, h: dict[str, str], path: str, body: object) -> dict[str, Any]:
    r = await c.post(V1 + path, json=body, headers=h)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def test_crud_and_errors(
    client: httpx.AsyncClient, h: dict[str, str], platform: Platform
) -> None:
    c = client
    assert (await c.get(f"{V1}/sites")).status_code == 401
    assert (await c.get(f"{V1}/site", headers=h)).status_code == 404
    site = await _post(c, h, "/sites", {"code": "lotus", "name": "莲花苑"})
    r = await c.post(f"{V1}/sites", json={"code": "lotus", "name": "x"}, headers=h)
    assert r.status_code == 409 and "already exists" in r.json()["detail"]
    r = await c.post(f"{V1}/sites", json={"code": "a b", "name": "x"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.code"
    r = await c.patch(f"{V1}/sites/{site['id']}", json={"name": None}, headers=h)
    assert r.status_code == 422 and "body.name" in r.json()["detail"]
    r = await c.patch(f"{V1}/sites/{site['id']}", json={"map_width_m": 500}, headers=h)
    assert r.status_code == 200 and r.json()["map_width_m"] == 500
    assert (await c.get(f"{V1}/sites/999", headers=h)).status_code == 404

    b = await _post(c, h, "/buildings", {"code": "B1", "name": "1号楼", "map_x": 10, "map_y": 20})
    u = await _post(c, h, "/units", {"building_id": b["id"], "code": "1", "name": "1单元"})
    r = await c.post(f"{V1}/units", json={"building_id": 404, "code": "2", "name": "2"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"].startswith("building_id:")
    hh = await _post(c, h, "/households", {"unit_id": u["id"], "floor": 1, "room": "101"})
    for i in range(2, 5):
        await _post(c, h, "/households", {"unit_id": u["id"], "floor": 1, "room": f"10{i}"})
    r = await c.get(
        f"{V1}/households", params={"unit_id": u["id"], "limit": 2, "offset": 1}, headers=h
    )
    assert [x["room"] for x in r.json()] == ["102", "103"] and r.headers["x-total-count"] == "4"
    assert (await c.get(f"{V1}/households", params={"limit": 0}, headers=h)).status_code == 422
    await _post(c, h, "/residents", {"household_id": hh["id"], "name": "张伟"})

    r = await c.delete(f"{V1}/buildings/{b['id']}", headers=h)
    assert r.status_code == 409 and "cascade=true" in r.json()["detail"]
    r = await c.delete(f"{V1}/buildings/{b['id']}", params={"cascade": "true"}, headers=h)
    assert r.status_code == 204
    assert (await c.get(f"{V1}/households", headers=h)).json() == []
    assert (await c.get(f"{V1}/units/{u['id']}", headers=h)).status_code == 404

    with platform.read_session() as ses:
        actions = list(
            ses.scalars(select(AuditEntry.action).where(AuditEntry.actor == "user:admin"))
        )
    for a in (
        "site.create",
        "site.update",
        "building.create",
        "unit.create",
        "household.create",
        "resident.create",
        "building.delete",
    ):
        assert a in actions


async def test_zones_devices_and_map(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    c = client
    await _post(c, h, "/sites", {"code": "lotus", "name": "莲花苑"})
    b = await _post(c, h, "/buildings", {"code": "B1", "name": "1号楼"})
    r = await c.post(f"{V1}/zones", json={"code": "P1", "name": "北", "length_m": 80}, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("length_m:") and "70 m" in r.json()["detail"]
    z = await _post(c, h, "/zones", {"code": "P1", "name": "北", "geometry": [[0, 0], [60, 0]]})
    assert z["length_m"] == 60
    r = await c.post(
        f"{V1}/zones", json={"code": "P2", "name": "n", "geometry": [[0, "x"]]}, headers=h
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("body.geometry")

    dev = {
        "code": "CAM-1",
        "name": "北门",
        "type": "camera",
        "subsystem": "video",
        "zone_id": z["id"],
        "building_id": b["id"],
        "map_x": 5,
        "map_y": 6,
        "protocol": "rtsp",
        "address": "rtsp://10.0.0.2/1",
        "secret": "s3cret",
        "expected_interval_s": 60,
    }
    d = await _post(c, h, "/devices", dev)
    assert "secret" not in d and d["has_secret"] is True and d["state"] == "unknown"
    r = await c.post(f"{V1}/devices", json=dev, headers=h)
    assert r.status_code == 409 and "CAM-1" in r.json()["detail"]
    r = await c.patch(f"{V1}/devices/{d['id']}", json={"state": "online"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.state"
    r = await c.patch(f"{V1}/devices/{d['id']}", json={"name": "北门枪机"}, headers=h)
    assert r.status_code == 200 and "secret" not in r.json()
    r = await c.get(f"{V1}/devices", headers=h)
    assert r.status_code == 200 and "s3cret" not in r.text
    assert r.json() == [
        {
            "id": d["id"],
            "code": "CAM-1",
            "name": "北门枪机",
            "type": "camera",
            "subsystem": "video",
            "state": "unknown",
            "last_seen_at": None,
            "map_x": 5.0,
            "map_y": 6.0,
            "zone_id": z["id"],
            "building_id": b["id"],
        }
    ]
    assert "s3cret" not in (await c.get(f"{V1}/devices/{d['id']}", headers=h)).text

    m = (await c.get(f"{V1}/site", headers=h)).json()
    assert m["site"] == {
        "id": 1,
        "code": "lotus",
        "name": "莲花苑",
        "map_width_m": 400.0,
        "map_height_m": 300.0,
    }
    assert [x["code"] for x in m["buildings"]] == ["B1"]
    assert m["zones"][0]["geometry"] == [[0.0, 0.0], [60.0, 0.0]]
    assert (await c.delete(f"{V1}/zones/{z['id']}", headers=h)).status_code == 204
    assert (await c.get(f"{V1}/devices/{d['id']}", headers=h)).json()["zone_id"] is None
    assert (await c.delete(f"{V1}/devices/{d['id']}", headers=h)).status_code == 204
    assert (await c.delete(f"{V1}/devices/{d['id']}", headers=h)).status_code == 404


async def test_permissions_and_person_lookup_audit(
    client: httpx.AsyncClient, h: dict[str, str], platform: Platform
) -> None:
    c = client
    await _post(c, h, "/sites", {"code": "lotus", "name": "莲花苑"})
    b = await _post(c, h, "/buildings", {"code": "B1", "name": "1号楼"})
    u = await _post(c, h, "/units", {"building_id": b["id"], "code": "1", "name": "1单元"})
    hh = await _post(c, h, "/households", {"unit_id": u["id"], "floor": 1, "room": "101"})
    res = await _post(
        c, h, "/residents", {"household_id": hh["id"], "name": "张伟", "phone": "13800000001"}
    )
    for name, role in (("inst", "installer"), ("op", "operator")):
        await platform.users.create(name, "a-long-password-1", role, "system")
    inst = auth(await login(c, "inst", "a-long-password-1"))
    op = auth(await login(c, "op", "a-long-password-1"))
    assert (
        await c.post(f"{V1}/buildings", json={"code": "B2", "name": "2"}, headers=op)
    ).status_code == 403
    assert (await c.get(f"{V1}/residents", headers=inst)).status_code == 403
    assert (
        await c.post(f"{V1}/residents", json={"household_id": hh["id"], "name": "x"}, headers=inst)
    ).status_code == 403
    assert (await c.get(f"{V1}/buildings", headers=inst)).status_code == 200
    r = await c.get(f"{V1}/residents", params={"household_id": hh["id"]}, headers=op)
    assert r.status_code == 200 and [x["name"] for x in r.json()] == ["张伟"]
    assert (await c.get(f"{V1}/residents/{res['id']}", headers=op)).status_code == 200
    assert (await c.get(f"{V1}/residents/999", headers=op)).status_code == 404
    with platform.read_session() as ses:
        lookups = ses.execute(
            select(AuditEntry.target, AuditEntry.detail)
            .where(AuditEntry.actor == "user:op", AuditEntry.action == "person.lookup")
            .order_by(AuditEntry.seq)
        ).all()
    assert [t for t, _ in lookups] == ["residents", f"resident:{res['id']}", "resident:999"]
    assert lookups[0][1]["ids"] == [res["id"]] and lookups[2][1]["found"] is False
