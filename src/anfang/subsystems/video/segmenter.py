"""Cutting a camera's packets into MP4 segment files on keyframes, without re-encoding.

A segment is written as ``<name>.mp4.part`` and renamed to ``<name>.mp4`` only once it is
complete, so a file without ``.part`` is always a whole, playable segment (a crash leaves
at most one ``.part`` per camera, which the orphan clean-up removes).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import av


@dataclass(frozen=True, slots=True)
class SegmentDone:
    """A complete segment file: where it is (relative to the root) and what it spans."""

    camera_id: int
    start: datetime
    end: datetime
    bytes: int
    path: str
    codec: str


def segment_relpath(camera_id: int, start: datetime) -> str:
    """Where a segment starting at ``start`` lives, relative to the storage root.

    ``<camera id>/<YYYY-MM-DD>/<HHMMSS>-<ms>.mp4`` in UTC: one folder per camera and day
    keeps folders small and lets a whole day be listed or removed at once.
    """
    t = start.astimezone(UTC)
    return f"{camera_id}/{t:%Y-%m-%d}/{t:%H%M%S}-{t.microsecond // 1000:03d}.mp4"


# Packets in a row with timestamps going backwards after which the stream is taken to have
# restarted its clock (one second at 25 fps), not to be sending a few corrupt packets.
RESYNC_AFTER = 25


class Segmenter:
    """Writes the packets of one input stream into segments of about ``seconds`` each.

    Times: the first packet is anchored to the wall clock when it arrived; later packets
    are placed by their timestamps, so consecutive segments join without gaps or overlap.
    """

    def __init__(
        self,
        root: Path,
        camera_id: int,
        in_stream: Any,
        seconds: float,
        codec: str,
        floor: datetime | None = None,
        time_base: Fraction | None = None,
    ) -> None:
        self.root = root
        self.camera_id = camera_id
        self.in_stream = in_stream  # the template of every segment's stream
        self.seconds = seconds
        self.codec = codec
        # The packets' time base: the input stream's, or (RTP) the one they carry.
        self.time_base = time_base or in_stream.time_base
        self.tb = float(self.time_base)
        self._anchor: tuple[datetime, int] | None = None
        self._out: Any = None
        self._out_stream: Any = None
        self._mux: Any = None
        self._part: Path | None = None
        self._rel = ""
        self._start: datetime | None = None
        self._first_dts = 0
        self._last_dts: int | None = None
        self._step = 0  # ticks between the last two packets (a frame)
        # A little slack: camera timestamps jitter around the frame period.
        self._cut_ticks = max(1, int((seconds - 0.2) / self.tb))
        self._max_step = int(1 / self.tb)
        self.dropped = 0  # packets refused as corrupt (no timestamps, going backwards)
        self._unreported: list[SegmentDone] = []
        self.close_error: BaseException | None = None
        self._backwards = 0  # packets in a row whose timestamps went backwards
        self._floor = floor  # end of the last finished segment (of any connection)

    @property
    def started_at(self) -> datetime | None:
        """When the first segment of this connection began (None before a keyframe)."""
        return self._anchor[0] if self._anchor is not None else None

    def take_dropped(self) -> int:
        """Packets refused since the last call (for the counter of corrupt packets)."""
        n, self.dropped = self.dropped, 0
        return n

    def time_of(self, dts: int) -> datetime:
        """The wall-clock time of a timestamp of this stream."""
        assert self._anchor is not None
        at, base = self._anchor
        return at + timedelta(seconds=(dts - base) * self.tb)

    def write(self, pkt: Any) -> SegmentDone | None:
        """Write one packet; returns the segment it completed, if it started a new one."""
        dts, pts, last = pkt.dts, pkt.pts, self._last_dts
        if dts is None or pts is None:
            self.dropped += 1
            return None
        done = None
        if last is not None and dts <= last:
            self._backwards += 1
            if self._backwards < RESYNC_AFTER or not pkt.is_keyframe:
                self.dropped += 1
                return None
            # The camera's clock jumped back (restart, wrap): not a few bad packets. End
            # the segment here and start again from this keyframe, anchored anew.
            done = self._finish_open()
            self._anchor, last = None, None
        self._backwards = 0
        if pkt.is_keyframe:
            if self._anchor is None:
                # Never before the end of what was already written (a camera clock that
                # ran fast must not make segments overlap).
                now = datetime.now(UTC)
                self._anchor = (max(now, self._floor) if self._floor else now, dts)
            elif self._out is not None and dts - self._first_dts >= self._cut_ticks:
                done = self._finish(self.time_of(dts))
            if self._out is None:
                try:
                    self._open(self.time_of(dts), dts)
                except BaseException:
                    if done is not None:  # complete and renamed: still reported, by close()
                        self._unreported.append(done)
                    raise
        elif self._out is None:
            return None  # a segment must start with a keyframe to be playable
        if last is not None and 0 < dts - last < self._max_step:
            self._step = dts - last
        self._last_dts = dts
        first = self._first_dts
        pkt.pts, pkt.dts = pts - first, dts - first
        pkt.stream = self._out_stream
        self._mux(pkt)
        return done

    def _finish_open(self) -> SegmentDone | None:
        if self._out is None or self._last_dts is None:
            return None
        return self._finish(self.time_of(self._last_dts + self._step))

    def close(self) -> list[SegmentDone]:
        """Finish the open segment (end: last packet + a frame).

        Never raises: a write failure drops the open segment's ``.part`` file and is kept
        in ``close_error``; segments completed before it are returned all the same.
        """
        done, self._unreported = self._unreported, []
        try:
            if self._out is None or self._last_dts is None:
                self._discard()
                return done
            if (last := self._finish_open()) is not None:
                done.append(last)
        except (OSError, av.error.FFmpegError) as exc:
            self.close_error = exc
            done += self._unreported
            self._unreported = []
            self.abort()
        return done

    def _open(self, at: datetime, dts: int) -> None:
        self._rel = segment_relpath(self.camera_id, at)
        final = self.root / self._rel
        bump = at
        while final.exists():  # never overwrite a segment (two starts in one millisecond)
            bump += timedelta(milliseconds=1)
            self._rel = segment_relpath(self.camera_id, bump)
            final = self.root / self._rel
        final.parent.mkdir(parents=True, exist_ok=True)
        self._part = final.with_name(final.name + ".part")
        self._out = av.open(str(self._part), "w", format="mp4")
        self._out_stream = self._out.add_stream_from_template(self.in_stream)
        self._out_stream.time_base = self.time_base
        self._mux = self._out.mux_one
        self._start, self._first_dts = at, dts

    def _finish(self, end: datetime) -> SegmentDone | None:
        out, part, start = self._out, self._part, self._start
        self._out = None
        assert part is not None and start is not None
        out.close()
        final = part.with_name(part.name.removesuffix(".part"))
        os.replace(part, final)
        self._floor = end
        return SegmentDone(self.camera_id, start, end, final.stat().st_size, self._rel, self.codec)

    def _discard(self) -> None:
        if self._out is not None:
            with contextlib.suppress(Exception):  # the file is removed either way
                self._out.close()
            self._out = None
        if self._part is not None:
            self._part.unlink(missing_ok=True)
            self._part = None

    def abort(self) -> None:
        """Drop the open segment after a write failure (its ``.part`` file is removed)."""
        self._out_stream = None
        with contextlib.suppress(OSError):
            self._discard()
