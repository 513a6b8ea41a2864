"""Writing one connection's RTP packets into MP4 segments (the recorder's media path).

Packets become access units (``adapters/rtp_h26x``), access units get decoding
timestamps (``Reorder``) and go to a :class:`~anfang.subsystems.video.segmenter.Segmenter`.
The first keyframe of a connection, parsed once by FFmpeg, gives the files' codec
parameters; new parameter sets (the camera changed resolution) start a new file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from anfang.subsystems.video.adapters.rtp_h26x import AccessUnit, Depacketizer, Reorder
from anfang.subsystems.video.adapters.rtsp import StreamFailure, classify_write_error, redact_text
from anfang.subsystems.video.adapters.rtsp_wire import Media
from anfang.subsystems.video.segmenter import SegmentDone, Segmenter

RTP_TB = Fraction(1, 90000)
# Pictures out of order on one connection before it is taken to carry B-frames (a B-frame
# stream has some in every group of pictures, so this is reached within a second or two).
REORDER_AFTER = 3


class UnitWriter:
    """One connection's RTP packets → access units → segment files.

    ``depack.push`` takes the packets (from the connection's ``data_received``);
    ``on_segment(done, dropped)`` hears of every finished file. A failure (a disk that
    cannot be written, data FFmpeg refuses, B-frames that need a reorder window) is kept
    in ``failure`` and ends the connection; it never raises into the caller.
    """

    def __init__(
        self,
        media: Media,
        root: Path,
        camera_id: int,
        seconds: float,
        *,
        floor: datetime | None,
        reorder_depth: int,
        on_segment: Callable[[SegmentDone, int], None],
    ) -> None:
        self.root, self.camera_id, self.seconds = root, camera_id, seconds
        self.last_end = floor  # no file may start before the end of the last one
        self.on_segment = on_segment
        self.codec = media.codec
        sets = media.parameter_sets()
        self.depack = Depacketizer(media.codec, media.payload_type, self.unit, sets)
        self.reorder = Reorder(reorder_depth)
        self.reorder_wanted = False
        self.out_of_order = 0  # units that arrived out of order on this connection
        self._unreported_drops = 0
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
            if self.reorder.depth == 0 and 0 <= self.reorder.last - au.pts < 90000:
                # A picture out of order. Once may be a camera's glitch (seen under load at
                # start-up): the unit is dropped and counted. Again and again is B-frames:
                # reconnect with a reorder window.
                self.out_of_order += 1
                self._unreported_drops += 1
                if self.out_of_order >= REORDER_AFTER:
                    self.reorder_wanted = True
                    self.failure = StreamFailure("restart", "B-frames: reconnected to reorder them")
                return
            self.reorder = Reorder(self.reorder.depth)  # the camera's clock jumped
            dts = self.reorder.dts(au.pts, self.step) or au.pts
        pkt = av.Packet(au.data)
        pkt.pts, pkt.dts, pkt.time_base, pkt.is_keyframe = au.pts, dts, RTP_TB, au.keyframe
        done = self.seg.write(pkt)
        if done is not None:
            self._done(done)
        if not self.started and self.seg.started_at is not None:
            self.started = True

    def _new_template(self, au: AccessUnit) -> None:
        if self.seg is not None:  # new parameter sets (resolution, profile): a new file
            for done in self.seg.close():
                self._done(done)
        fmt = "hevc" if self.codec == "hevc" else "h264"
        # One keyframe parsed by FFmpeg gives the stream's full codec parameters
        # (size, profile, extradata) for the MP4 header; a few milliseconds a connection.
        probe = av.open(io.BytesIO(au.data), format=fmt)
        if self.probe is not None:
            self.probe.close()
        self.probe = probe  # the template stream lives as long as its container
        self.params = dict(self.depack.params)
        self.seg = Segmenter(
            self.root,
            self.camera_id,
            probe.streams.video[0],
            self.seconds,
            self.codec,
            self.last_end,
            time_base=RTP_TB,
        )

    def _done(self, done: SegmentDone) -> None:
        self.last_end = done.end
        self.on_segment(done, self._dropped())

    def _dropped(self) -> int:
        lost, self.depack.lost = self.depack.lost, 0
        dropped, self._unreported_drops = self._unreported_drops, 0
        return lost + dropped + (self.seg.take_dropped() if self.seg else 0)

    def close(self, last_seen: datetime) -> datetime:
        """Finish the open segment; returns where a following gap starts."""
        if self.failure is None or self.failure.state in ("lost", "recording"):
            failure, self.failure = self.failure, None
            self.depack.flush()  # the last unit, held until the next timestamp
            self.failure = self.failure or failure
        if self.seg is None:
            return last_seen
        for done in self.seg.close():
            self._done(done)
            last_seen = done.end  # a gap that follows starts where this segment ends
        if self.seg.close_error is not None and self.failure is None:
            self.failure = classify_write_error(self.seg.close_error)
        if self.probe is not None:
            self.probe.close()
        return last_seen
