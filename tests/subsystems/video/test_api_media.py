"""Playback, export and event media over the API, on ffmpeg-made recordings."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import httpx
import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from anfang.subsystems.video.store import storage_root
from tests.conftest import auth, login
from tests.subsystems.video.segfiles import add_camera, add_segments, make_segments

T0 = datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
async def recorded(platform: Platform) -> int:
    """Camera CAM-1 with three 2 s segments, a 2 s hole, then one more."""
    cam = await add_camera(platform, "CAM-1")
    root = storage_root(platform.settings)
    segs = make_segments(root, "CAM-1", T0, 3)
    segs += make_segments(root, "CAM-1", T0 + timedelta(seconds=8), 1, ext="ts")
    await add_segments(platform, cam, segs)
    return cam


async def _user(platform: Platform, client: httpx.AsyncClient, role: str) -> str:
    await platform.users.create(f"u-{role}", "password-of-" + role, role, "test")
    return await login(client, f"u-{role}", "password-of-" + role)


def _audit(platform: Platform, action: str) -> list[AuditEntry]:
    with platform.read_session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _range(start: datetime, end: datetime, camera: str = "CAM-1") -> dict[str, str]:
    # Every retrieval of recorded material carries a reason (the unit and name default).
    return {
        "camera": camera,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "reason": "报警复核",
    }


async def test_playback_session_lists_segments_and_gaps_and_is_audited_once(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str, recorded: int
) -> None:
    r = await app_client.post(
        "/api/v1/video/playback",
        json=_range(T0, T0 + timedelta(seconds=12)),
        headers=auth(admin_token),
    )
    assert r.status_code == 201, r.text
    sess = r.json()
    assert [s["offset"] for s in sess["segments"]] == [0.0, 2.0, 4.0, 8.0]
    assert [(g["start"], g["end"]) for g in sess["gaps"]] == [
        ((T0 + timedelta(seconds=6)).isoformat(), (T0 + timedelta(seconds=8)).isoformat()),
        ((T0 + timedelta(seconds=10)).isoformat(), (T0 + timedelta(seconds=12)).isoformat()),
    ]
    for i in range(4):  # every segment, MP4 and TS alike, comes back as fragmented MP4
        seg = await app_client.get(
            f"/api/v1/video/playback/{sess['id']}/segments/{i}", headers=auth(admin_token)
        )
        assert seg.status_code == 200
        assert seg.headers["x-codec"].startswith('video/mp4; codecs="avc1.')
        assert seg.content[4:8] == b"ftyp" and b"moof" in seg.content
    views = _audit(platform, "video.view")
    assert len(views) == 1 and views[0].target == "CAM-1"
    assert views[0].actor == "user:admin" and views[0].detail["session"] == sess["id"]
    # Who retrieved it and why (Order 799): the unit and name default to the centre's own.
    assert (views[0].detail["reason"], views[0].detail["unit"], views[0].detail["requester"]) == (
        "报警复核",
        "本小区监控中心",
        "admin",
    )
    bad = await app_client.get(
        f"/api/v1/video/playback/{sess['id']}/segments/9", headers=auth(admin_token)
    )
    assert bad.status_code == 404


async def test_playback_rejects_bad_ranges_and_unknown_cameras(
    app_client: httpx.AsyncClient, admin_token: str, recorded: int
) -> None:
    h = auth(admin_token)
    back = await app_client.post("/api/v1/video/playback", json=_range(T0, T0), headers=h)
    assert back.status_code == 422 and "after start" in back.text
    naive = {"camera": "CAM-1", "start": "2026-05-01T08:00:00", "end": "2026-05-01T09:00:00",
             "reason": "复核"}  # fmt: skip
    r = await app_client.post("/api/v1/video/playback", json=naive, headers=h)
    assert r.status_code == 422 and "time zone" in r.text
    r = await app_client.post(
        "/api/v1/video/playback", json=_range(T0, T0 + timedelta(1), "NOPE"), headers=h
    )
    assert r.status_code == 404
    for bad in ({"reason": ""}, {"reason": " "}, {"unit": "x" * 201}):
        r = await app_client.post(
            "/api/v1/video/playback", json=_range(T0, T0 + timedelta(1)) | bad, headers=h
        )
        assert r.status_code == 422, bad


async def test_roles_police_may_view_not_export_installer_neither(
    platform: Platform, app_client: httpx.AsyncClient, recorded: int
) -> None:
    police = await _user(platform, app_client, "police_inspector")
    installer = await _user(platform, app_client, "installer")
    rng = _range(T0, T0 + timedelta(seconds=4))
    r = await app_client.post("/api/v1/video/playback", json=rng, headers=auth(police))
    assert r.status_code == 201
    r = await app_client.post(
        "/api/v1/video/exports", json=rng | {"reason": "案件调查"}, headers=auth(police)
    )
    assert r.status_code == 403
    r = await app_client.post("/api/v1/video/playback", json=rng, headers=auth(installer))
    assert r.status_code == 403
    assert len(_audit(platform, "access.denied")) == 2


async def _wait_export(client: httpx.AsyncClient, token: str, export_id: int) -> dict[str, object]:
    async with asyncio.timeout(30):
        while True:
            r = await client.get(f"/api/v1/video/exports/{export_id}", headers=auth(token))
            body: dict[str, object] = r.json()
            if body["state"] != "running":
                return body
            await asyncio.sleep(0.05)


async def test_export_range_to_one_mp4_with_sha256_reason_and_audit(
    platform: Platform,
    app_client: httpx.AsyncClient,
    admin_token: str,
    recorded: int,
    tmp_path: Path,
) -> None:
    h = auth(admin_token)
    rng = _range(T0 + timedelta(seconds=1), T0 + timedelta(seconds=9.5))
    r = await app_client.post("/api/v1/video/exports", json=rng | {"reason": " "}, headers=h)
    assert r.status_code == 422
    no_reason = {k: v for k, v in rng.items() if k != "reason"}
    r = await app_client.post("/api/v1/video/exports", json=no_reason, headers=h)
    assert r.status_code == 422 and "reason" in r.text
    r = await app_client.post(
        "/api/v1/video/exports", json=rng | {"reason": "业主报案：车辆被刮"}, headers=h
    )
    assert r.status_code == 202, r.text
    done = await _wait_export(app_client, admin_token, r.json()["id"])
    assert done["state"] == "done", done
    dl = await app_client.get(f"/api/v1/video/exports/{done['id']}/download", headers=h)
    assert dl.status_code == 200
    assert (
        hashlib.sha256(dl.content).hexdigest() == done["sha256"] == dl.headers["x-content-sha256"]
    )
    out = tmp_path / "x.mp4"
    out.write_bytes(dl.content)
    with av.open(str(out)) as c:  # one file, starting on a keyframe, covering the range
        frames = list(c.decode(video=0))
        assert frames and frames[0].key_frame
        pts, tb = frames[-1].pts, c.streams.video[0].time_base
        assert pts is not None and tb is not None
        span = float(pts * tb)
    # From the keyframe at 0 s (before 1 s) to 9.5 s, with the 6-8 s hole kept as time.
    assert 8.5 <= span <= 9.6, span
    assert 180 <= len(frames) <= 240, len(frames)
    entry = _audit(platform, "video.export")[0]
    assert entry.actor == "user:admin" and entry.target == "CAM-1"
    assert (
        entry.detail["sha256"] == done["sha256"] and entry.detail["reason"] == "业主报案：车辆被刮"
    )
    assert len(_audit(platform, "video.export.download")) == 1


async def test_export_of_an_unrecorded_range_fails_clearly(
    app_client: httpx.AsyncClient, admin_token: str, recorded: int
) -> None:
    rng = _range(T0 + timedelta(hours=1), T0 + timedelta(hours=1, minutes=20)) | {"reason": "检查"}
    r = await app_client.post("/api/v1/video/exports", json=rng, headers=auth(admin_token))
    done = await _wait_export(app_client, admin_token, r.json()["id"])
    assert done["state"] == "failed" and "no recording" in str(done["error"])
