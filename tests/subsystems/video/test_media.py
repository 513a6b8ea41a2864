"""Linkage snapshot and clip: files stored, AlarmMedia rows with SHA-256, evidence holds."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.linkage import LinkageRequest
from anfang.subsystems.video.media import MEDIA, MediaService
from anfang.subsystems.video.models import AlarmMedia, EvidenceHold
from anfang.subsystems.video.store import storage_root
from tests.conftest import auth
from tests.subsystems.video.helpers import wait_for
from tests.subsystems.video.segfiles import add_camera, add_segments, make_segments


def _rows(platform: Platform) -> tuple[list[AlarmMedia], list[EvidenceHold]]:
    with platform.read_session() as s:
        return list(s.scalars(select(AlarmMedia))), list(s.scalars(select(EvidenceHold)))


async def test_snapshot_from_latest_segment_when_camera_unreachable(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    cam = await add_camera(platform, "CAM-S")  # main/sub URL: a closed local port
    at = datetime.now(UTC)
    root = storage_root(platform.settings)
    await add_segments(platform, cam, make_segments(root, "CAM-S", at - timedelta(seconds=4), 2))
    req = LinkageRequest("snapshot", "01ALARMSNAPSHOT00000000000", "01EVENT", at, ("CAM-S",))
    task = platform.linkage.trigger(req)
    assert task is not None
    refs = await asyncio.wait_for(task, 30)
    assert len(refs) == 1 and refs[0]["kind"] == "snapshot"
    media, holds = _rows(platform)
    assert media[0].path.endswith(".jpg") and not media[0].path.startswith("/")
    data = (root / media[0].path).read_bytes()
    assert data[:2] == b"\xff\xd8" and hashlib.sha256(data).hexdigest() == media[0].sha256
    assert holds[0].alarm_id == req.alarm_id and holds[0].start_at <= at <= holds[0].end_at
    r = await app_client.get(
        f"/api/v1/video/alarms/{req.alarm_id}/media", headers=auth(admin_token)
    )
    assert [m["kind"] for m in r.json()] == ["snapshot"]
    f = await app_client.get(r.json()[0]["url"], headers=auth(admin_token))
    assert f.status_code == 200 and f.headers["content-type"] == "image/jpeg"
    assert f.content == data


async def test_clip_waits_for_post_roll_then_remuxes(platform: Platform) -> None:
    svc = platform.capabilities.require(MEDIA)
    assert isinstance(svc, MediaService)
    svc.clip_wait_extra_s = 20.0
    cam = await add_camera(platform, "CAM-C")
    root = storage_root(platform.settings)
    at = datetime.now(UTC).replace(microsecond=0)
    segs = make_segments(root, "CAM-C", at - timedelta(seconds=4), 4)  # at-4 … at+4
    await add_segments(platform, cam, segs[:2])  # only the pre-roll is recorded yet
    req = LinkageRequest(
        "clip",
        "01ALARMCLIP000000000000000",
        "01EVENTC",
        at,
        ("CAM-C",),
        params={"pre_s": 3, "post_s": 3},
    )
    task = platform.linkage.trigger(req)
    assert task is not None

    async def held() -> bool:  # the hold comes first, so retention spares the pre-roll
        return bool(_rows(platform)[1])

    await wait_for(held, 10, "the evidence hold")
    assert not task.done()
    await add_segments(platform, cam, segs[2:])  # the recorder closes the post-roll
    refs = await asyncio.wait_for(task, 30)
    assert [r["kind"] for r in refs] == ["clip"]
    media, holds = _rows(platform)
    assert media[0].start_at == at - timedelta(seconds=3)
    assert media[0].end_at == at + timedelta(seconds=3)
    assert (root / media[0].path).stat().st_size == media[0].bytes > 0
    assert [h.alarm_id for h in holds] == [req.alarm_id]
