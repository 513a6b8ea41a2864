"""A link's video: the upper INVITEs a camera and gets its H.264 / H.265 pictures as PS over
RTP (UDP, and TCP where anfang connects), which decode; the session is audited; a
channel that is not shared is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import cast

import av
import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from anfang.subsystems.video.sim import SimCameraServer
from anfang.subsystems.video.store import storage_root
from anfang.uplink.adapters.ps import STREAM_TYPES, Demuxer
from anfang.uplink.sim_upper import SimUpper
from tests.subsystems.video.segfiles import add_camera, add_segments, make_segments
from tests.subsystems.video.test_camera_task import needs_sim
from tests.uplink.conftest import configure, until, uplink


def _decoded(demux: Demuxer, codec: str) -> int:
    ctx = cast(av.VideoCodecContext, av.CodecContext.create(codec, "r"))
    frames = 0
    for f in demux.frames:
        frames += len(ctx.decode(av.Packet(f.data)))
    return frames


@needs_sim
@pytest.mark.parametrize(
    ("path", "codec", "tcp"),
    [("/h264/main", "h264", False), ("/hevc/main", "hevc", False), ("/h264/main", "h264", True)],
)
async def test_live_invite_sends_ps_that_decodes(
    platform: Platform, upper: SimUpper, cams: SimCameraServer, path: str, codec: str, tcp: bool
) -> None:
    await add_camera(platform, "CAM-1", main_url=cams.url(path, credentials=True))
    pid = await configure(platform, port=upper.endpoint.local[1])
    link = uplink(platform).links[pid]
    await until(lambda: link.status.state == "registered")
    channel = uplink(platform).national_id("CAM-1", None)
    assert channel is not None and channel[10:13] == "132"
    demux = await upper.play(channel, 20.0, tcp=tcp, frames=20)  # a loaded machine is slow
    assert len(demux.frames) >= 15, len(demux.frames)
    assert demux.frames[0].keyframe and demux.stream_type == STREAM_TYPES[codec]
    pts = [f.pts for f in demux.frames if f.pts is not None]
    assert pts == sorted(pts)
    assert _decoded(demux, codec) >= len(demux.frames) - 2
    await until(lambda: not link.agent.calls.calls if link.agent else False, 5)
    with platform.read_session() as s:
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "video.uplink.view")).all()
    assert views and views[-1].target == "camera:CAM-1"


async def test_invite_of_an_unknown_channel_is_refused(platform: Platform, upper: SimUpper) -> None:
    pid = await configure(platform, port=upper.endpoint.local[1])
    link = uplink(platform).links[pid]
    await until(lambda: link.status.state == "registered")
    with pytest.raises(RuntimeError, match="404"):
        await upper.play("34020000001320009999", 0.1)


@needs_sim
async def test_live_over_tcp_where_the_upper_connects(
    platform: Platform, upper: SimUpper, cams: SimCameraServer
) -> None:
    await add_camera(platform, "CAM-1", main_url=cams.url("/h264/main", credentials=True))
    pid = await configure(platform, port=upper.endpoint.local[1])
    await until(lambda: uplink(platform).links[pid].status.state == "registered")
    channel = uplink(platform).national_id("CAM-1", None) or ""
    demux = await upper.play(channel, 20.0, tcp=True, connect=True, frames=15)
    assert len(demux.frames) >= 10 and demux.frames[0].keyframe
    assert _decoded(demux, "h264") >= len(demux.frames) - 2


async def test_playback_of_a_recorded_range(platform: Platform, upper: SimUpper) -> None:
    cam_id = await add_camera(platform, "CAM-1")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    root = storage_root(platform.settings)
    segs = await asyncio.to_thread(make_segments, root, "CAM-1", start, 2, 2.0)
    await add_segments(platform, cam_id, segs)
    pid = await configure(platform, port=upper.endpoint.local[1])
    link = uplink(platform).links[pid]
    await until(lambda: link.status.state == "registered")
    channel = uplink(platform).national_id("CAM-1", None) or ""
    span = (int(start.timestamp()), int(start.timestamp()) + 4)
    demux = await upper.play(channel, 6.0, playback=span)
    assert 80 <= len(demux.frames) <= 101, len(demux.frames)  # 4 s at 25 frames/s
    assert demux.frames[0].keyframe and _decoded(demux, "h264") >= len(demux.frames) - 2
    pts = [f.pts or 0 for f in demux.frames]
    assert 3.5 <= (pts[-1] - pts[0]) / 90_000 <= 4.0
    with platform.read_session() as s:
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "video.uplink.view")).all()
    assert views[-1].detail["session"] == "Playback"
