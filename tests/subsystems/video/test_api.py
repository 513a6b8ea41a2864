"""The camera API: create/list/get/update, passwords never out, 422s, RBAC, audit, segments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.models import AuditEntry
from anfang.subsystems.video.api import router
from anfang.subsystems.video.models import Camera, Gap, Segment
from anfang.subsystems.video.store import camera_by_code, segments_between
from tests.conftest import ADMIN_PASSWORD, auth, login
from tests.subsystems.video.helpers import add_devices

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The app with the video router (mounted here if the registry has not yet)."""
    app = create_app(platform.settings, platform=platform)
    if not any(getattr(r, "path", "") == "/api/v1/video/cameras" for r in app.routes):
        app.include_router(router, prefix="/api/v1")
    await add_devices(platform, ["CAM-01", "CAM-02"])
    await add_devices(platform, ["DOOR-1"], dev_type="door")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://anfang.test") as c:
        yield c


async def _admin(client: httpx.AsyncClient) -> dict[str, str]:
    return auth(await login(client, "admin", ADMIN_PASSWORD))


BODY = {
    "device_code": "CAM-01",
    "main_url": "rtsp://192.0.2.10:554/Streaming/Channels/101",
    "sub_url": "rtsp://192.0.2.10:554/Streaming/Channels/102",
    "username": "admin",
    "password": "s3cret-Pa55",
}


async def test_create_list_get_update_never_return_password(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    h = await _admin(client)
    r = await client.post("/api/v1/video/cameras", json=BODY, headers=h)
    assert r.status_code == 201, r.text
    cam = r.json()
    assert cam["has_password"] and cam["retention_days"] == 30 and cam["segment_seconds"] == 60
    listing = await client.get("/api/v1/video/cameras", headers=h)
    one = await client.get(f"/api/v1/video/cameras/{cam['id']}", headers=h)
    upd = await client.patch(
        f"/api/v1/video/cameras/{cam['id']}",
        json={"retention_days": 90, "record": False, "password": "n3w-Pa55"},
        headers=h,
    )
    assert upd.status_code == 200 and upd.json()["retention_days"] == 90
    assert upd.json()["record"] is False
    for resp in (r, listing, one, upd):
        assert "s3cret" not in resp.text and "n3w-Pa55" not in resp.text
    with platform.read_session() as s:
        row = s.get(Camera, cam["id"])
        assert row is not None and row.password_sealed is not None
        assert b"n3w-Pa55" not in row.password_sealed
        assert platform.secrets.open(row.password_sealed, "camera:CAM-01") == b"n3w-Pa55"
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action.like("video.%"))))
        assert camera_by_code(s, "CAM-01") is not None and camera_by_code(s, "X") is None
    assert [e.action for e in entries] == ["video.camera.create", "video.camera.update"]
    assert all("s3cret" not in str(e.detail) and "n3w" not in str(e.detail) for e in entries)
    clear = await client.patch(
        f"/api/v1/video/cameras/{cam['id']}", json={"password": ""}, headers=h
    )
    assert clear.json()["has_password"] is False
    assert (await client.get("/api/v1/video/cameras/999", headers=h)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"main_url": "http://192.0.2.1/x"}, "main_url"),
        ({"main_url": "rtsp://u:pw@192.0.2.1/x"}, "main_url"),
        ({"sub_url": "rtsp:///nohost"}, "sub_url"),
        ({"segment_seconds": 1}, "segment_seconds"),
        ({"retention_days": 0}, "retention_days"),
        ({"device_code": "NOPE"}, "device_code"),
        ({"device_code": "DOOR-1"}, "device_code"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_input_is_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    r = await client.post("/api/v1/video/cameras", json=BODY | body, headers=await _admin(client))
    assert r.status_code == 422, r.text
    assert field in r.text


async def test_duplicate_is_409(client: httpx.AsyncClient) -> None:
    h = await _admin(client)
    assert (await client.post("/api/v1/video/cameras", json=BODY, headers=h)).status_code == 201
    assert (await client.post("/api/v1/video/cameras", json=BODY, headers=h)).status_code == 409


async def test_operator_reads_installer_writes(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    await platform.users.create("op", "a-long-password-1", "operator", "system")
    await platform.users.create("inst", "a-long-password-2", "installer", "system")
    op = auth(await login(client, "op", "a-long-password-1"))
    inst = auth(await login(client, "inst", "a-long-password-2"))
    assert (await client.post("/api/v1/video/cameras", json=BODY, headers=op)).status_code == 403
    r = await client.post("/api/v1/video/cameras", json=BODY, headers=inst)
    assert r.status_code == 201
    cid = r.json()["id"]
    assert (await client.get("/api/v1/video/cameras", headers=op)).status_code == 200
    assert (await client.get(f"/api/v1/video/cameras/{cid}/status", headers=op)).status_code == 200
    r = await client.patch(f"/api/v1/video/cameras/{cid}", json={"record": False}, headers=op)
    assert r.status_code == 403
    assert (await client.get("/api/v1/video/cameras")).status_code == 401


async def test_segments_status_and_holds(platform: Platform, client: httpx.AsyncClient) -> None:
    h = await _admin(client)
    cid = (await client.post("/api/v1/video/cameras", json=BODY, headers=h)).json()["id"]

    def job(ctx: WriteContext) -> None:
        for i in range(10):
            st = T0 + timedelta(minutes=i)
            ctx.session.add(
                Segment(
                    camera_id=cid,
                    start_at=st,
                    end_at=st + timedelta(minutes=1),
                    bytes=1000,
                    path=f"{cid}/2026-11-24/{i}.mp4",
                )
            )
        ctx.session.add(Gap(camera_id=cid, start_at=T0 + timedelta(minutes=10), reason="lost"))

    await platform.writer.run(job)
    q = {
        "start": (T0 + timedelta(minutes=2, seconds=30)).isoformat(),
        "end": (T0 + timedelta(minutes=5)).isoformat(),
    }
    r = await client.get(f"/api/v1/video/cameras/{cid}/segments", params=q, headers=h)
    assert r.status_code == 200, r.text
    assert [s["path"].rsplit("/", 1)[1] for s in r.json()] == ["2.mp4", "3.mp4", "4.mp4"]
    with platform.read_session() as s:
        got = segments_between(
            s, cid, T0 + timedelta(minutes=2, seconds=30), T0 + timedelta(minutes=5)
        )
        assert [g.start_at for g in got] == [T0 + timedelta(minutes=m) for m in (2, 3, 4)]
    naive = {"start": "2026-11-24T08:00:00", "end": "2026-11-24T09:00:00"}
    r = await client.get(f"/api/v1/video/cameras/{cid}/segments", params=naive, headers=h)
    assert r.status_code == 422 and "start" in r.text
    backwards = {"start": q["end"], "end": q["start"]}
    r = await client.get(f"/api/v1/video/cameras/{cid}/segments", params=backwards, headers=h)
    assert r.status_code == 422 and "end" in r.text
    st = (await client.get(f"/api/v1/video/cameras/{cid}/status", headers=h)).json()
    assert st["last_segment"]["path"].endswith("/9.mp4")
    assert st["gaps"][0]["end_at"] is None and st["gaps"][0]["reason"] == "lost"
    hold = {"camera_id": cid, "start_at": q["start"], "end_at": q["end"], "reason": "police case"}
    r = await client.post("/api/v1/video/holds", json=hold, headers=h)
    assert r.status_code == 201 and r.json()["created_by"] == "user:admin"
    bad = hold | {"camera_id": 999}
    assert (await client.post("/api/v1/video/holds", json=bad, headers=h)).status_code == 422
    r = await client.post(f"/api/v1/video/holds/{r.json()['id']}/release", headers=h)
    assert r.json()["released_by"] == "user:admin"
    assert (await client.get("/api/v1/video/holds", headers=h)).json() == []
