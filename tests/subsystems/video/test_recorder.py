"""Recording against simulated RTSP cameras: segments, drops, stalls, bad cameras, alarms."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import av
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.store.base import make_engine
from anfang.store.models import Alarm, Device, EventRow
from anfang.subsystems.video import service as svc
from anfang.subsystems.video.models import Camera, Gap, Segment
from anfang.subsystems.video.recorder import RECORDER
from anfang.subsystems.video.schemas import CameraCreate, CameraUpdate
from anfang.subsystems.video.sim import SYSTEM_PYTHON, SimCameraServer, StreamSpec
from anfang.subsystems.video.store import storage_root
from tests.conftest import make_settings
from tests.subsystems.video.helpers import add_devices, wait_for

pytestmark = pytest.mark.skipif(
    not Path(SYSTEM_PYTHON).exists(), reason="Debian's python3 with GStreamer is missing"
)

SMALL = {"width": 320, "height": 180, "fps": 10, "kbps": 150, "gop": 10, "seconds": 4}


@pytest.fixture(scope="module")
def cams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimCameraServer]:
    """One simulated site: good cameras, a flaky one, one with a password, an MJPEG one."""
    streams = [
        StreamSpec("/ok1/main", **SMALL),  # type: ignore[arg-type]
        StreamSpec("/flaky/main", **SMALL),  # type: ignore[arg-type]
        StreamSpec("/auth/main", password="right-pw", **SMALL),  # type: ignore[arg-type]
        StreamSpec("/mjpeg/main", codec="mjpeg", width=160, height=90, fps=5),
        StreamSpec("/hevc/main", codec="h265", **SMALL),  # type: ignore[arg-type]
    ]
    server = SimCameraServer(streams, tmp_path_factory.mktemp("clips"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def rec_settings(tmp_path: Path) -> Settings:
    """Recording on, fast loss detection and reconnects."""
    return make_settings(
        tmp_path,
        video_recording=True,
        video_loss_seconds=2.0,
        video_reconnect_max_seconds=1.0,
        video_min_free_bytes=0,
    )


@pytest.fixture
async def plat(rec_settings: Settings) -> AsyncIterator[Platform]:
    """A started platform with the recorder."""
    p = Platform(rec_settings)
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


async def _camera(
    p: Platform, server: SimCameraServer, code: str, path: str, password: str = "admin"
) -> int:
    out = await svc.create_camera(
        p,
        "installer",
        CameraCreate(
            device_code=code,
            main_url=server.url(path),
            username="admin",
            password=password,
            segment_seconds=2,
        ),
    )
    return out.id


def _count(p: Platform, stmt: object) -> int:
    with p.read_session() as s:
        return int(s.scalar(stmt) or 0)  # type: ignore[call-overload]


def _events(p: Platform, kind: str, source: str) -> int:
    return _count(p, select(func.count()).where(EventRow.kind == kind, EventRow.source == source))


async def _events_async(p: Platform, kind: str, source: str) -> int:
    return _events(p, kind, source)


def _device_state(p: Platform, code: str) -> str:
    with p.read_session() as s:
        return str(s.scalar(select(Device.state).where(Device.code == code)))


async def _has_segment_after_gap(p: Platform, cam: int) -> bool:
    with p.read_session() as s:
        g = s.scalar(select(Gap).where(Gap.camera_id == cam))
        assert g is not None and g.end_at is not None
        return any(seg.start_at >= g.start_at for seg in _segments(p, cam)[1:])


async def device_is(p: Platform, code: str, state: str) -> bool:
    """Whether the device is in ``state`` (for waiting on it)."""
    return _device_state(p, code) == state


def _segments(p: Platform, cam_id: int) -> list[Segment]:
    with p.read_session() as s:
        return list(
            s.scalars(select(Segment).where(Segment.camera_id == cam_id).order_by(Segment.start_at))
        )


async def test_recording_drops_and_bad_cameras(plat: Platform, cams: SimCameraServer) -> None:
    p = plat
    await add_devices(p, ["CAM-OK", "CAM-FLAKY", "CAM-AUTH", "CAM-MJPEG", "CAM-HEVC"])
    ok = await _camera(p, cams, "CAM-OK", "/ok1/main")
    flaky = await _camera(p, cams, "CAM-FLAKY", "/flaky/main")
    bad_pw = await _camera(p, cams, "CAM-AUTH", "/auth/main", password="wrong")
    mjpeg = await _camera(p, cams, "CAM-MJPEG", "/mjpeg/main")
    hevc = await _camera(p, cams, "CAM-HEVC", "/hevc/main")

    async def segs(cam: int, n: int) -> bool:
        return len(_segments(p, cam)) >= n

    await wait_for(lambda: segs(flaky, 1), what="flaky camera records")
    await wait_for(lambda: segs(hevc, 1), what="H.265 camera records")
    assert {s.codec for s in _segments(p, hevc)} == {"hevc"}

    # Wrong password and an unrecordable codec: a clear state and a fault alarm, no crash.
    async def state(cam: int, want: str) -> bool:
        with p.read_session() as s:
            return s.get(Camera, cam).state == want  # type: ignore[union-attr]

    await wait_for(lambda: state(bad_pw, "unauthorized"), what="401 seen")
    await wait_for(lambda: state(mjpeg, "unsupported"), what="MJPEG refused")
    with p.read_session() as s:
        assert "401" in s.get(Camera, bad_pw).last_error  # type: ignore[union-attr]
        assert "mjpeg" in s.get(Camera, mjpeg).last_error  # type: ignore[union-attr]

    async def trouble() -> bool:
        return (
            _events(p, "video.trouble", "CAM-AUTH") == 1
            and _events(p, "video.trouble", "CAM-MJPEG") == 1
        )

    await wait_for(trouble, what="fault events")
    assert _device_state(p, "CAM-AUTH") == "fault"
    assert _count(p, select(func.count()).where(Alarm.source == "CAM-AUTH")) == 1

    # The camera drops off the network: a gap, video.loss with an alarm, device offline.
    cams.drop("/flaky/main")

    async def lost() -> bool:
        return _events(p, "video.loss", "CAM-FLAKY") == 1

    await wait_for(lost, what="video.loss")
    await wait_for(lambda: device_is(p, "CAM-FLAKY", "offline"), what="device offline")
    assert _count(p, select(func.count()).where(Alarm.kind == "video.loss")) == 1
    with p.read_session() as s:
        gap = s.scalar(select(Gap).where(Gap.camera_id == flaky))
        assert gap is not None and gap.end_at is None
    cams.up("/flaky/main")

    async def restored() -> bool:
        return _events(p, "video.restore", "CAM-FLAKY") == 1

    await wait_for(restored, limit=30, what="video.restore")
    await wait_for(lambda: device_is(p, "CAM-FLAKY", "online"), what="device online")

    async def gap_closed() -> bool:
        return _events(p, "video.recording_gap", "CAM-FLAKY") == 1

    await wait_for(gap_closed, what="gap closed")
    with p.read_session() as s:
        gap = s.scalar(select(Gap).where(Gap.camera_id == flaky))
        assert gap is not None and gap.end_at is not None and gap.end_at > gap.start_at
    # The gap fits exactly between the recordings on either side of it.
    fl = _segments(p, flaky)
    assert any(x.end_at == gap.start_at for x in fl), (gap.start_at, [x.end_at for x in fl])
    assert any(x.start_at == gap.end_at for x in fl) or not [
        x for x in fl if x.start_at > gap.start_at
    ]

    # A frozen stream (session open, no packets) counts as lost too.
    cams.stall("/flaky/main")
    await wait_for(lambda: state(flaky, "lost"), what="stall detected")
    cams.up("/flaky/main")
    await wait_for(lambda: state(flaky, "recording"), limit=30, what="recording after stall")

    # Garbage frames are survived: recording goes on and the index stays sound.
    cams.corrupt("/ok1/main", frames=5)

    # The camera's folder cannot be written: a storage fault, then recording resumes.
    root = storage_root(p.settings)
    blocker = root / str(flaky)
    shutil.rmtree(blocker)
    blocker.write_bytes(b"in the way")
    await wait_for(lambda: state(flaky, "storage_error"), limit=30, what="storage error")
    await wait_for(
        lambda: _events_async(p, "video.trouble", "CAM-FLAKY"), what="storage fault event"
    )
    blocker.unlink()
    await wait_for(lambda: state(flaky, "recording"), limit=30, what="recording after fix")

    # Fixing the password brings the camera back; the fault is restored.
    await svc.update_camera(p, "installer", bad_pw, CameraUpdate(password="right-pw"))
    await wait_for(lambda: segs(bad_pw, 1), limit=30, what="fixed camera records")
    assert _events(p, "video.restore", "CAM-AUTH") == 1

    # Meanwhile the good camera never stopped: contiguous, playable segments.
    await wait_for(lambda: segs(ok, 4), limit=30, what="good camera segments")
    done = _segments(p, ok)
    for a, b in itertools.pairwise(done):
        assert abs((b.start_at - a.end_at).total_seconds()) < 0.5, (a.end_at, b.start_at)
    for seg in done:
        f = root / seg.path
        assert f.stat().st_size == seg.bytes and not Path(seg.path).is_absolute()
        with av.open(str(f)) as c:
            v = c.streams.video[0]
            assert v.codec_context.name == "h264"
            assert v.duration is not None and v.time_base is not None
            seconds = float(v.duration * v.time_base)
            assert 1.0 <= seconds <= 4.5
            assert abs(seconds - (seg.end_at - seg.start_at).total_seconds()) < 0.5


async def test_worker_killed_and_stop_finishes_segments(
    rec_settings: Settings, cams: SimCameraServer
) -> None:
    p = Platform(rec_settings)
    await p.start()
    try:
        await add_devices(p, ["CAM-A"])
        cam = await _camera(p, cams, "CAM-A", "/ok1/main")

        async def recording() -> bool:
            rec = p.capabilities.require(RECORDER)
            return (rec.status(cam) or {}).get("state") == "recording"

        await wait_for(recording, what="recording")
        # The recording process is killed: a new one takes over, the hole is a gap.
        rec: Any = p.capabilities.require(RECORDER)
        os.kill(rec.workers.pids()[0], signal.SIGKILL)

        async def gap_closed() -> bool:
            with p.read_session() as s:
                g = s.scalar(select(Gap).where(Gap.camera_id == cam))
                return g is not None and g.end_at is not None and g.reason == "worker died"

        await wait_for(gap_closed, limit=30, what="recording after the worker died")
        await wait_for(lambda: _has_segment_after_gap(p, cam), what="segments after the gap")
        # Switched off: the camera stops (its last segment indexed) and says so.
        await svc.update_camera(p, "installer", cam, CameraUpdate(record=False))

        async def off() -> bool:
            with p.read_session() as s:
                return s.get(Camera, cam).state == "off"  # type: ignore[union-attr]

        await wait_for(off, what="camera off")
    finally:
        await p.stop()
    root = storage_root(rec_settings)
    # Only the killed worker's segment is left half-written (the next start removes it).
    assert len(list(root.rglob("*.part"))) == 1
    files = sorted(str(f.relative_to(root)) for f in root.rglob("*.mp4"))
    engine = make_engine(rec_settings.resolved_database_url())
    try:
        with Session(engine) as s:
            indexed = sorted(s.scalars(select(Segment.path)))
            assert s.scalar(select(func.count()).where(Gap.end_at.is_(None))) == 0
    finally:
        engine.dispose()
    assert files == indexed and files


async def test_full_disk_is_a_fault_and_sweeps_at_once(plat: Platform) -> None:
    """A worker's disk_full report: device fault, video.trouble, an emergency sweep now."""
    await add_devices(plat, ["CAM-D"])
    await svc.create_camera(
        plat, "installer", CameraCreate(device_code="CAM-D", main_url="rtsp://192.0.2.9/x")
    )
    rec: Any = plat.capabilities.require(RECORDER)

    async def held() -> bool:
        return bool(rec.cams)

    await wait_for(held, what="camera picked up")
    cam = next(iter(rec.cams.values()))
    before = rec.retention.sweeps
    await rec._handle({"t": "state", "cam": cam.id, "state": "disk_full", "error": "full"})

    async def swept() -> bool:
        return bool(rec.retention.sweeps > before)

    await wait_for(swept, limit=5, what="an emergency sweep")
    assert _events(plat, "video.trouble", "CAM-D") == 1
    assert _device_state(plat, "CAM-D") == "fault"
