"""Recording one camera inside a worker's event loop: RTSP in, MP4 segments out.

Each camera is one asyncio task of the worker process (``video/worker.py``). It connects
(``rtsp_client``), turns RTP into access units (``rtp_h26x``) and hands them to a
:class:`~anfang.subsystems.video.segmenter.Segmenter`, all inside the connection's
``data_received``: no thread per camera, no copy beyond the access unit itself. It reports
states, segments and gaps to the platform; any failure is caught, reported, and retried
with exponential backoff, and never touches the other cameras.

The segment files are written from the loop (FFmpeg's MP4 muxer, buffered, on the local
recording disk): the loop does nothing else, and the sockets' buffers hold the cameras'
data for the moment a segment is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from multiprocessing.connection import Connection
from typing import Any

import av

from anfang.subsystems.video.adapters.rtp_h26x import AccessUnit, Depacketizer, Reorder
from anfang.subsystems.video.adapters.rtsp import (
    RECORDABLE,
    StreamFailure,
    classify_open_error,
    classify_write_error,
    redact_text,
    with_credentials,
)
from anfang.subsystems.video.adapters.rtsp_wire import Media, RtspProtocolError
from anfang.subsystems.video.rtsp_client import RtspConnection, RtspError, connect
from anfang.subsystems.video.segmenter import SegmentDone, Segmenter

log = logging.getLogger(__name__)
RTP_TB = Fraction(1, 90000)
LOW_WATER_SECONDS = 0.1  # read a camera's socket about ten times a second, not per packet
LOW_WATER_MAX = 64 * 1024


def utcnow() -> datetime:
    """The current time, timezone-aware (the worker stays lean: no database imports)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CameraJob:
    """What the worker needs to record one camera; credentials join the URL only here."""

    id: int
    url: str
    segment_seconds: float
    username: str | None = None
    password: str | None = None
    read_timeout: float = 5.0
    backoff_max: float = 30.0


class Reporter:
    """Sends reports (plain dicts) to the platform over the worker's pipe."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def send(self, msg: dict[str, Any]) -> None:
        """Send one report (dropped if the platform has gone)."""
        with contextlib.suppress(OSError, EOFError, ValueError):
            self.conn.send(msg)


class _Unsupported(Exception):
    """The camera's stream is not one this recorder stores."""


class CameraTask:
    """Records one camera until :meth:`stop`, reconnecting with exponential backoff."""

    def __init__(self, job: CameraJob, root: Any, report: Reporter) -> None:
        self.job = job
        self.root = root
        self.report = report
        self.stopping = asyncio.Event()
        self.state = ""
        self.error = ""
        self.gap_open = False
        self.last_end: datetime | None = None
        self.reorder_depth = 0  # raised to 2 once the camera is seen sending B-frames
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in the current event loop."""
        self.task = asyncio.create_task(self.run(), name=f"camera-{self.job.id}")

    async def stop(self) -> None:
        """Stop and wait (open segments are finished and reported)."""
        self.stopping.set()
        if self.task is not None:
            await asyncio.shield(self.task)

    def _state(self, state: str, error: str = "", **extra: Any) -> None:
        # Only changes are reported: a camera that stays unreachable costs no writes.
        if (state, error) != (self.state, self.error) and not (
            state == "connecting" and self.state != "recording" and self.state
        ):
            self.state, self.error = state, error
            self.report.send(
                {"t": "state", "cam": self.job.id, "state": state, "error": error, **extra}
            )

    def _gap(self, start: datetime, reason: str) -> None:
        if not self.gap_open:
            self.gap_open = True
            self.report.send(
                {"t": "gap_open", "cam": self.job.id, "start": start, "reason": reason}
            )

    async def run(self) -> None:
        """Connect, record, and on any failure wait and try again."""
        backoff = 1.0
        last_seen = utcnow()
        while not self.stopping.is_set():
            self._state("connecting")
            try:
                failure, last_seen = await self._record_once(last_seen)
            except Exception as exc:
                log.exception("camera %s: unexpected error", self.job.id)
                failure = StreamFailure("lost", redact_text(str(exc)))
            if self.stopping.is_set():
                break
            if failure.state == "restart":  # same camera, new settings: at once, a gap
                self._gap(last_seen, failure.message)
                continue
            if failure.state == "recording":  # it recorded and then the stream ended
                backoff = 1.0
                failure = StreamFailure("lost", failure.message)
            self._gap(last_seen, failure.state)
            self._state(failure.state, failure.message)
            wait = self.job.backoff_max if failure.state == "unsupported" else backoff
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self.stopping.wait()
            backoff = min(backoff * 2, self.job.backoff_max)
        self._state("stopped")

    async def _record_once(self, last_seen: datetime) -> tuple[StreamFailure, datetime]:
        url = with_credentials(self.job.url, self.job.username, self.job.password)
        try:
            conn = await connect(url, self.job.read_timeout)
        except RtspError as exc:
            return classify_open_error(exc), last_seen
        recs: list[_Recording] = []

        def sink(media: Media) -> Callable[[bytes], None]:
            recs.append(_Recording(self, media))
            return recs[0].depack.push

        try:
            try:
                await conn.start(_pick_video, sink)
            except _Unsupported as exc:
                return StreamFailure("unsupported", str(exc)), last_seen
            except (RtspError, RtspProtocolError) as exc:
                if recs:
                    recs[0].close(last_seen)
                return classify_open_error(exc), last_seen
            return await self._stream(conn, recs[0], last_seen)
        finally:
            await conn.close()

    async def _stream(
        self, conn: RtspConnection, rec: _Recording, last_seen: datetime
    ) -> tuple[StreamFailure, datetime]:
        timeout = self.job.read_timeout
        tick = min(0.5, timeout / 4)
        received, since, low_water = conn.received, time.monotonic(), False
        packets, last_video = 0, since
        stop: asyncio.Future[Any] = asyncio.ensure_future(self.stopping.wait())
        try:
            while not self.stopping.is_set() and rec.failure is None:
                await asyncio.wait(
                    [conn.closed, stop], timeout=tick, return_when=asyncio.FIRST_COMPLETED
                )
                if conn.closed.done():
                    exc = conn.closed.result()
                    why = redact_text(str(exc)) if exc else "camera ended the stream"
                    rec.failure = rec.failure or StreamFailure("recording", why)
                    break
                now = time.monotonic()
                if conn.splitter.packets != packets:  # video, not just RTCP or answers
                    packets, last_video = conn.splitter.packets, now
                idle = now - last_video
                if idle > timeout:
                    rec.failure = StreamFailure("lost", f"no data for {timeout:g} s")
                    break
                if low_water and now - conn.last_data > tick:
                    conn.set_low_water(1)  # a quiet camera: take whatever is there
                    low_water, received, since = False, conn.received, now
                elif not low_water and now - since >= 2.0:
                    rate = (conn.received - received) / (now - since)
                    if rate > 0 and idle <= tick:
                        conn.set_low_water(min(LOW_WATER_MAX, int(rate * LOW_WATER_SECONDS)))
                        low_water = True
                    received, since = conn.received, now
                if rec.started and not rec.reported:
                    rec.reported = True
                    if self.gap_open:  # the gap ends where the first segment begins
                        self.gap_open = False
                        end = rec.seg.started_at if rec.seg else None
                        self.report.send({"t": "gap_close", "cam": self.job.id, "end": end})
                    self._state("recording", codec=rec.codec)
                if idle < tick:
                    last_seen = utcnow()
        finally:
            stop.cancel()
            last_seen = rec.close(last_seen)
        return rec.failure or StreamFailure("recording", "stopped"), last_seen

    def segment(self, done: SegmentDone, dropped: int) -> None:
        """Report a complete segment file."""
        self.last_end = done.end
        self.report.send(
            {
                "t": "segment",
                "cam": done.camera_id,
                "start": done.start,
                "end": done.end,
                "bytes": done.bytes,
                "path": done.path,
                "codec": done.codec,
                "dropped": dropped,
            }
        )


class _Recording:
    """One connection's access units → segments (called from ``data_received``)."""

    def __init__(self, task: CameraTask, media: Media) -> None:
        self.task = task
        self.codec = media.codec
        sets = media.parameter_sets()
        self.depack = Depacketizer(media.codec, media.payload_type, self.unit, sets)
        self.reorder = Reorder(task.reorder_depth)
        self.seg: Segmenter | None = None
        self.params: dict[int, bytes] = {}
        self.failure: StreamFailure | None = None
        self.started = False
        self.reported = False
        self.step = 3600  # ticks per frame (90 kHz at 25 fps) until measured
        self.last_pts: int | None = None
        self.probe: Any = None

    def unit(self, au: AccessUnit) -> None:
        """Write one access unit (errors end the connection with a clear state)."""
        if self.failure is not None:
            return
        try:
            self._write(au)
        except (OSError, av.error.FFmpegError) as exc:
            name = str(getattr(exc, "filename", "") or "")
            if name.endswith(".part") or not isinstance(exc, av.error.FFmpegError):
                self.failure = classify_write_error(exc)
            else:
                self.failure = StreamFailure("lost", f"bad stream data: {redact_text(str(exc))}")

    def _write(self, au: AccessUnit) -> None:
        if au.keyframe and (self.seg is None or self.depack.params != self.params):
            self._new_template(au)
        if self.seg is None:
            return  # nothing is written before the first keyframe
        if self.last_pts is not None and 0 < au.pts - self.last_pts < 90000:
            self.step = au.pts - self.last_pts
        self.last_pts = au.pts
        dts = self.reorder.dts(au.pts, self.step)
        if dts is None:
            if self.reorder.depth == 0 and 0 < self.reorder.last - au.pts < 90000:
                # Pictures out of order: B-frames. Reconnect with a reorder window.
                self.task.reorder_depth = 2
                self.failure = StreamFailure("restart", "B-frames: reconnected to reorder them")
                return
            self.reorder = Reorder(self.reorder.depth)  # the camera's clock jumped
            dts = self.reorder.dts(au.pts, self.step) or au.pts
        pkt = av.Packet(au.data)
        pkt.pts, pkt.dts, pkt.time_base, pkt.is_keyframe = au.pts, dts, RTP_TB, au.keyframe
        done = self.seg.write(pkt)
        if done is not None:
            self.task.segment(done, self._dropped())
        if not self.started and self.seg.started_at is not None:
            self.started = True

    def _new_template(self, au: AccessUnit) -> None:
        if self.seg is not None:  # new parameter sets (resolution, profile): a new file
            for done in self.seg.close():
                self.task.segment(done, self._dropped())
        fmt = "hevc" if self.codec == "hevc" else "h264"
        # One keyframe parsed by FFmpeg gives the stream's full codec parameters
        # (size, profile, extradata) for the MP4 header; a few milliseconds a connection.
        probe = av.open(io.BytesIO(au.data), format=fmt)
        if self.probe is not None:
            self.probe.close()
        self.probe = probe  # the template stream lives as long as its container
        self.params = dict(self.depack.params)
        floor = self.task.last_end
        self.seg = Segmenter(
            self.task.root,
            self.task.job.id,
            probe.streams.video[0],
            self.task.job.segment_seconds,
            self.codec,
            floor,
            time_base=RTP_TB,
        )

    def _dropped(self) -> int:
        lost, self.depack.lost = self.depack.lost, 0
        return lost + (self.seg.take_dropped() if self.seg else 0)

    def close(self, last_seen: datetime) -> datetime:
        """Finish the open segment; returns where a following gap starts."""
        if self.failure is None or self.failure.state in ("lost", "recording"):
            failure, self.failure = self.failure, None
            self.depack.flush()  # the last unit, held until the next timestamp
            self.failure = self.failure or failure
        if self.seg is None:
            return last_seen
        for done in self.seg.close():
            self.task.segment(done, self._dropped())
            last_seen = done.end  # a gap that follows starts where this segment ends
        if self.seg.close_error is not None and self.failure is None:
            self.failure = classify_write_error(self.seg.close_error)
        if self.probe is not None:
            self.probe.close()
        return last_seen


def _pick_video(media: list[Media]) -> Media:
    video = [m for m in media if m.kind == "video"]
    if not video:
        raise _Unsupported("stream has no video")
    for m in video:
        if m.codec in RECORDABLE:
            return m
    raise _Unsupported(f"codec {video[0].codec} is not recorded (H.264/H.265 only)")
