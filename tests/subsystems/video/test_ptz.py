"""PTZ over ONVIF: presets listed, a preset gone to, a short move then a stop, each audited;
a linkage rule's ``ptz_preset`` action carried out; a camera without ONVIF refused."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.linkage import LinkageRequest
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import AuditEntry
from anfang.subsystems.video.models import Camera
from tests.conftest import auth
from tests.subsystems.video.adapters.test_onvif import FakeCamera, camera  # noqa: F401
from tests.subsystems.video.segfiles import add_camera


async def _onvif(platform: Platform, fake: FakeCamera, code: str) -> None:
    cam = await add_camera(platform, code)

    def settings(ctx: WriteContext) -> None:
        row = ctx.session.get(Camera, cam)
        assert row is not None
        row.onvif_url, row.username = fake.base + "/onvif/device_service", "admin"
        row.password_sealed = platform.secrets.seal(b"secret", f"camera:{code}")

    await platform.writer.run(settings)


async def test_presets_goto_and_move_through_the_api(
    camera: FakeCamera,  # noqa: F811
    platform: Platform,
    app_client: httpx.AsyncClient,
    admin_token: str,
) -> None:
    await _onvif(platform, camera, "CAM-P")
    h = auth(admin_token)
    r = await app_client.get("/api/v1/video/cameras/CAM-P/ptz", headers=h)
    assert r.status_code == 200, r.text
    assert [p["name"] for p in r.json()] == ["大门", "停车场"]
    r = await app_client.post(
        "/api/v1/video/cameras/CAM-P/ptz/preset", headers=h, json={"preset": "2"}
    )
    assert r.status_code == 204, r.text
    goto = next(t for op, t in camera.requests if op == "GotoPreset")
    assert "PresetToken>2<" in goto and "ProfileToken>main<" in goto
    r = await app_client.post("/api/v1/video/cameras/CAM-P/ptz/move", headers=h, json={"pan": 0.5})
    assert r.status_code == 204 and camera.calls[-2:] == ["ContinuousMove", "Stop"]
    r = await app_client.post("/api/v1/video/cameras/CAM-P/ptz/move", headers=h, json={"pan": 3})
    assert r.status_code == 422
    with platform.read_session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.target == "CAM-P")))
    assert "video.ptz.preset" in actions and "video.ptz.move" in actions
    await add_camera(platform, "CAM-NO")
    r = await app_client.get("/api/v1/video/cameras/CAM-NO/ptz", headers=h)
    assert r.status_code == 422 and "ONVIF" in r.json()["detail"]
    r = await app_client.get("/api/v1/video/cameras/NOPE/ptz", headers=h)
    assert r.status_code == 404


async def test_a_rule_turns_a_camera_to_a_preset(
    camera: FakeCamera,  # noqa: F811
    platform: Platform,
) -> None:
    await _onvif(platform, camera, "CAM-R")
    assert platform.linkage.handles("ptz_preset")
    req = LinkageRequest(
        "ptz_preset", "01ALARM", "01EV", utcnow(), params={"camera": "CAM-R", "preset": "1"}
    )
    task = platform.linkage.trigger(req)
    assert task is not None
    await task
    assert "GotoPreset" in camera.calls
