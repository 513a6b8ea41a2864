"""The face engine's status and re-enrolment over the API."""

from __future__ import annotations

import asyncio

import httpx

from anfang.face.service import FaceService
from tests.conftest import auth, login


async def test_status_and_migration(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService
) -> None:
    h = auth(admin_token)
    r = await app_client.get("/api/v1/face/status", headers=h)
    assert r.status_code == 200
    body = r.json()
    assert body["engine"] == "mobilefacenet" and body["model"] == "faceplugin-mfn-v1"
    assert body["operating_point"]["watch"] > body["operating_point"]["entrance"]
    assert body["stale_templates"] == 0 and body["liveness"] == "score"

    r = await app_client.post("/api/v1/face/migration", headers=h)
    assert r.status_code == 202
    for _ in range(100):
        r = await app_client.get("/api/v1/face/migration", headers=h)
        if r.json()["state"] != "running":
            break
        await asyncio.sleep(0.05)
    assert r.json() | {"seconds": None} == r.json() | {
        "state": "done", "total": 0, "migrated": 0, "unusable": [], "seconds": None,
    }  # fmt: skip


async def test_only_writers_start_a_migration(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService
) -> None:
    await face.platform.users.create("op", "op-password-1", "operator", "test")
    op = await login(app_client, "op", "op-password-1")
    assert (await app_client.post("/api/v1/face/migration", headers=auth(op))).status_code == 403
    assert (await app_client.get("/api/v1/face/migration", headers=auth(op))).status_code == 200
