"""The cameras' pictures for parts that send video elsewhere (:data:`VIDEO_SOURCE`).

Live: anfang's own RTSP client and depacketizer give whole access units of the main
stream, untouched (no decode, no remux), from the next keyframe on. Playback: the
recorded MP4 segments demuxed by PyAV in a thread, turned into Annex B by FFmpeg's
``*_mp4toannexb`` filter and paced at their own speed. The recording index answers
what is recorded, with gaps splitting the spans.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import av.bitstream

from anfang.core.capabilities import RecordedSpan, VideoUnit
from anfang.core.errors import DomainError
from anfang.subsystems.video.adapters.rtp_h26x import AccessUnit, Depacketizer
from anfang.subsystems.video.adapters.rtsp import RECORDABLE
from anfang.subsystems.video.adapters.rtsp_client import RtspError, connect
from anfang.subsystems.video.adapters.rtsp_wire import Media, RtspProtocolError
from anfang.subsystems.video.playback import resolve
from anfang.subsystems.video.store import camera_by_code, segments_between

if TYPE_CHECKING:
    from anfang.subsystems.video.media import MediaService

QUEUE = 256  # access units waiting for a slow consumer before the oldest are dropped
_TOUCH = timedelta(seconds=1.5)  # segments this close are one span (a cut, not a gap)
_FILTERS = {"h264": "h264_mp4toannexb", "hevc": "hevc_mp4toannexb"}


class VideoFeed:
    """:class:`anfang.core.capabilities.VideoSource` over the recorder's files and cameras."""

    def __init__(self, media: MediaService) -> None:
        self.media = media

    def _main_url(self, camera: str) -> str:
        with self.media.platform.read_session() as s:
            cam = camera_by_code(s, camera)
            if cam is None:
                raise DomainError(f"no camera {camera!r}", 404)
            return self.media.stream_url(cam, camera, main=True)

    async def live(self, camera: str) -> AsyncIterator[VideoUnit]:
        """The main stream's access units from the next keyframe on."""
        url = await asyncio.to_thread(self._main_url, camera)
        queue: asyncio.Queue[VideoUnit] = asyncio.Queue(QUEUE)
        try:
            conn = await connect(url, 5.0)
        except RtspError as exc:
            raise ConnectionError(f"camera {camera}: {exc}") from exc

        def sink(media: Media) -> Callable[[bytes], None]:
            codec = media.codec

            def on_unit(u: AccessUnit) -> None:
                if queue.full():
                    queue.get_nowait()  # the consumer is behind: drop the oldest
                queue.put_nowait(VideoUnit(codec, u.pts, u.keyframe, u.data))

            return Depacketizer(codec, media.payload_type, on_unit, media.parameter_sets()).push

        try:
            try:
                await conn.start(_pick, sink)
            except (RtspError, RtspProtocolError, ValueError) as exc:
                raise ConnectionError(f"camera {camera}: {exc}") from exc
            started = False
            while not conn.closed.done() or not queue.empty():
                get = asyncio.ensure_future(queue.get())
                waits: list[asyncio.Future[Any]] = [get, conn.closed]
                done, _ = await asyncio.wait(waits, timeout=5.0, return_when="FIRST_COMPLETED")
                if get not in done:
                    get.cancel()
                    if conn.closed.done():
                        break
                    raise ConnectionError(f"camera {camera}: no picture for 5 s")
                unit = get.result()
                started = started or unit.keyframe
                if started:
                    yield unit
        finally:
            await conn.close()

    def recorded(self, camera: str, start: datetime, end: datetime) -> list[RecordedSpan]:
        """Recorded spans of ``[start, end)``, neighbouring segments joined."""
        with self.media.platform.read_session() as s:
            cam = camera_by_code(s, camera)
            if cam is None:
                raise DomainError(f"no camera {camera!r}", 404)
            segs = segments_between(s, cam.id, start, end)
        spans: list[RecordedSpan] = []
        for seg in segs:
            a, b = max(seg.start_at, start), min(seg.end_at, end)
            if spans and a - spans[-1].end <= _TOUCH:
                last = spans[-1]
                spans[-1] = RecordedSpan(last.start, b, last.size + seg.bytes)
            else:
                spans.append(RecordedSpan(a, b, seg.bytes))
        return spans

    def _files(self, camera: str, start: datetime, end: datetime) -> list[tuple[Path, datetime]]:
        with self.media.platform.read_session() as s:
            cam = camera_by_code(s, camera)
            if cam is None:
                raise DomainError(f"no camera {camera!r}", 404)
            segs = segments_between(s, cam.id, start, end)
            return [(resolve(self.media.root, seg.path), seg.start_at) for seg in segs]

    async def playback(
        self, camera: str, start: datetime, end: datetime
    ) -> AsyncIterator[VideoUnit]:
        """Recorded access units of ``[start, end)``, paced in real time."""
        files = await asyncio.to_thread(self._files, camera, start, end)
        if not files:
            raise DomainError(f"nothing recorded of {camera} in that range", 404)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[VideoUnit | None] = asyncio.Queue(64)
        stop = False

        def read() -> None:
            try:
                for path, seg_start in files:
                    for unit in _demux(path, seg_start, start, end):
                        if stop:
                            return
                        asyncio.run_coroutine_threadsafe(queue.put(unit), loop).result()
            finally:
                asyncio.run_coroutine_threadsafe(queue.put(None), loop)

        reader = asyncio.ensure_future(asyncio.to_thread(read))
        first: tuple[int, float] | None = None
        try:
            while (unit := await queue.get()) is not None:
                if first is None:
                    first = (unit.pts, time.monotonic())
                due = first[1] + (unit.pts - first[0]) / 90_000
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                yield unit
        finally:
            stop = True
            while not queue.empty():
                queue.get_nowait()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader, 5.0)


def _demux(path: Path, seg_start: datetime, start: datetime, end: datetime) -> Iterator[VideoUnit]:
    """One segment's access units inside ``[start, end)`` as Annex B (blocking)."""
    with av.open(str(path)) as box:
        stream = box.streams.video[0]
        codec = "hevc" if stream.codec_context.name in ("hevc", "h265") else "h264"
        bsf = av.bitstream.BitStreamFilterContext(_FILTERS[codec], stream)
        base = seg_start.timestamp()
        tb = stream.time_base
        for packet in box.demux(stream):
            for p in bsf.filter(packet):
                if p.pts is None or tb is None:
                    continue
                at = base + float(p.pts * tb)
                if at < start.timestamp() or at >= end.timestamp():
                    continue
                yield VideoUnit(codec, int(at * 90_000), bool(p.is_keyframe), bytes(p))


def _pick(media: list[Media]) -> Media:
    for m in media:
        if m.kind == "video" and m.codec in RECORDABLE:
            return m
    raise ValueError("no H.264/H.265 video in the stream")
