"""Recording one camera inside a worker's event loop: RTSP in, MP4 segments out.

Each camera is one asyncio task of the worker process (``video/worker.py``). It connects
(``rtsp_client``), turns RTP into access units (``rtp_h26x``) and hands them to a
:class:`~anfang.subsystems.video.segmenter.Segmenter`, all inside the connection's
``data_received``: no thread per camera, no copy beyond the access unit itself. It reports
states, segments and gaps to the platform; any failure is caught, reported, and retried
with exponential backoff, and never touches the other cameras.

The segment files are written from the loop (``unit_writer``: FFmpeg's MP4 muxer,
buffered, on the local recording disk): the loop does nothing else, and the sockets'
buffers hold the cameras' data for the moment a segment is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from anfang.subsystems.video.adapters.rtsp import (
    RECORDABLE,
    StreamFailure,
    classify_open_error,
    redact_text,
    with_credentials,
)
from anfang.subsystems.video.adapters.rtsp_client import RtspConnection, RtspError, connect
from anfang.subsystems.video.adapters.rtsp_wire import Media, RtspProtocolError
from anfang.subsystems.video.segmenter import SegmentDone
from anfang.subsystems.video.unit_writer import UnitWriter

log = logging.getLogger(__name__)
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
        recs: list[UnitWriter] = []

        def sink(media: Media) -> Callable[[bytes], None]:
            recs.append(
                UnitWriter(
                    media,
                    self.root,
                    self.job.id,
                    self.job.segment_seconds,
                    floor=self.last_end,
                    reorder_depth=self.reorder_depth,
                    on_segment=self.segment,
                )
            )
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
        self, conn: RtspConnection, rec: UnitWriter, last_seen: datetime
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
            if rec.reorder_wanted:
                self.reorder_depth = 2
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


def _pick_video(media: list[Media]) -> Media:
    video = [m for m in media if m.kind == "video"]
    if not video:
        raise _Unsupported("stream has no video")
    for m in video:
        if m.codec in RECORDABLE:
            return m
    raise _Unsupported(f"codec {video[0].codec} is not recorded (H.264/H.265 only)")
