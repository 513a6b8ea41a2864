"""Playback, export and clips on what the real recorder wrote from a simulated RTSP camera."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import av
import httpx
import pytest
from sqlalchemy import select

from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.core.linkage import LinkageRequest
from anfang.store.models import AuditEntry
from anfang.subsystems.video import service as svc
from anfang.subsystems.video.export import Source, export_range
from anfang.subsystems.video.models import AlarmMedia, Segment
from anfang.subsystems.video.playback import (
    MediaError,
    codec_mime,
    resolve,
    still_jpeg,
    to_fragmented,
)
from anfang.subsystems.video.schemas import CameraCreate
from anfang.subsystems.video.sim import SYSTEM_PYTHON, SimCameraServer, StreamSpec
from anfang.subsystems.video.store import storage_root
from tests.conftest import ADMIN_PASSWORD, auth, login, make_settings
from tests.subsystems.video.helpers import add_devices, wait_for

pytestmark = pytest.mark.skipif(
    not Path(SYSTEM_PYTHON).exists(), reason="Debian's python3 with GStreamer is missing"
)


@pytest.fixture(scope="module")
def cams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimCameraServer]:
    spec = StreamSpec("/pb/main", width=320, height=180, fps=10, kbps=150, gop=10, seconds=4)
    server = SimCameraServer([spec], tmp_path_factory.mktemp("clips"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def plat(tmp_path: Path) -> AsyncIterator[Platform]:
    p = Platform(make_settings(tmp_path, video_recording=True, video_min_free_bytes=0))
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


def _segments(p: Platform, cam: int) -> list[Segment]:
    with p.read_session() as s:
        return list(s.scalars(select(Segment).where(Segment.camera_id == cam)))


async def test_recorded_segments_play_export_and_clip(
    plat: Platform, cams: SimCameraServer, tmp_path: Path
) -> None:
    await add_devices(plat, ["CAM-PB"])
    cam = await svc.create_camera(
        plat,
        "installer",
        CameraCreate(
            device_code="CAM-PB",
            main_url=cams.url("/pb/main"),
            username="admin",
            password="admin",
            segment_seconds=2,
        ),
    )

    async def three() -> list[Segment]:
        segs = _segments(plat, cam.id)
        return segs if len(segs) >= 3 else []

    segs = sorted(await wait_for(three, 40, "three recorded segments"), key=lambda s: s.start_at)
    root = storage_root(plat.settings)
    frag = to_fragmented(resolve(root, segs[0].path))
    assert frag[4:8] == b"ftyp" and b"moof" in frag and "avc1." in codec_mime(frag)

    start, end = segs[0].start_at + timedelta(seconds=0.5), segs[2].end_at - timedelta(seconds=0.5)
    sources = [Source(resolve(root, s.path), s.start_at) for s in segs[:3]]
    written = export_range(sources, start, end, tmp_path / "out.mp4")
    with av.open(str(tmp_path / "out.mp4")) as c:
        frames = list(c.decode(video=0))
    assert frames[0].key_frame and written.packets == len(frames)
    span = (end - start).total_seconds()
    assert span - 0.2 <= len(frames) / 10 <= span + 1.2  # 10 fps, from the keyframe before

    app = create_app(plat.settings, platform=plat)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        token = await login(client, "admin", ADMIN_PASSWORD)
        r = await client.post(
            "/api/v1/video/playback",
            headers=auth(token),
            json={
                "camera": "CAM-PB",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": "报警复核",
            },
        )
        assert r.status_code == 201 and len(r.json()["segments"]) == 3
        seg = await client.get(
            f"/api/v1/video/playback/{r.json()['id']}/segments/2", headers=auth(token)
        )
        assert seg.status_code == 200 and b"moof" in seg.content

    at = segs[1].start_at
    task = plat.linkage.trigger(
        LinkageRequest(
            "clip",
            "01ALARMPB0000000000000000",
            "01EV",
            at,
            ("CAM-PB",),
            params={"pre_s": 1, "post_s": 1},
        )
    )
    assert task is not None and len(await task) == 1
    with plat.read_session() as s:
        media = s.scalar(select(AlarmMedia))
    assert media is not None and (root / media.path).stat().st_size == media.bytes
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        r = await client.get(f"/api/v1/video/media/{media.id}", headers=auth(token))
        assert r.status_code == 200 and r.headers["x-content-sha256"] == media.sha256
    with plat.read_session() as s:
        viewed = s.scalar(select(AuditEntry).where(AuditEntry.action == "video.media.view"))
    assert viewed is not None and viewed.target == f"alarm:{media.alarm_id}"


def test_missing_recording_is_gone_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as err:
        to_fragmented(tmp_path / "nope.mp4")
    assert err.value.status == 410
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"garbage" * 50)
    with pytest.raises(MediaError) as err:
        to_fragmented(bad)
    assert err.value.status == 422
    with pytest.raises(MediaError):
        resolve(tmp_path, "../../etc/passwd")


def test_a_still_that_fails_names_the_camera_never_its_password(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as failed:
        still_jpeg(["rtsp://admin:s3cret-pw@127.0.0.1:1/CAM-08/sub"], tmp_path / "x.jpg", 2.0)
    assert failed.value.status == 502
    assert "127.0.0.1:1/CAM-08/sub" in failed.value.message
    assert "s3cret-pw" not in failed.value.message and "admin" not in failed.value.message
