"""RTP → H.264 / H.265 access units (RFC 6184, RFC 7798), and the interleaved framing.

Pure core, no I/O. :class:`Interleaved` splits what arrives on an RTSP connection after
PLAY into RTP packets of the video channel and RTSP responses (keep-alive answers come in
the same stream); :class:`Depacketizer` turns RTP packets into whole access units in
Annex B form (start code before every NAL unit), the form FFmpeg's MP4 muxer takes.

Both run for every packet of every camera (about 360 a second for a 4 Mbit/s stream), so
they avoid per-packet objects: a packet is a slice of the received bytes, parsed in place.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

from anfang.subsystems.video.adapters.rtsp_wire import (
    MAX_HEADER,
    Response,
    RtspProtocolError,
    parse_head,
)

START = b"\x00\x00\x00\x01"


@dataclass(slots=True)
class AccessUnit:
    """One picture: its RTP timestamp (unwrapped, 90 kHz), Annex B data, and flags."""

    pts: int
    data: bytes
    keyframe: bool
    damaged: bool  # packets of it were lost; written all the same, as FFmpeg does


class Interleaved:
    """Splits the RTSP connection's bytes into RTP packets of one channel and responses."""

    def __init__(self, channel: int, on_packet: Callable[[bytes], None]) -> None:
        self.channel = channel
        self.on_packet = on_packet
        self._rest = b""
        self.skipped = 0  # bytes that were neither a frame nor a response (resynced over)
        self.packets = 0  # packets of the channel (RTCP alone does not show a live stream)

    def feed(self, data: bytes) -> list[Response]:
        """Take received bytes; RTP packets go to ``on_packet``, responses are returned."""
        buf = self._rest + data if self._rest else data
        n, pos, channel, emit = len(buf), 0, self.channel, self.on_packet
        responses: list[Response] = []
        while pos < n:
            if buf[pos] == 0x24:  # "$": channel, 16-bit length, packet
                if pos + 4 > n:
                    break
                end = pos + 4 + (buf[pos + 2] << 8 | buf[pos + 3])
                if end > n:
                    break
                if buf[pos + 1] == channel:
                    self.packets += 1
                    emit(buf[pos + 4 : end])
                pos = end
            elif buf[pos] == 0x52 and buf.startswith(b"RTSP/", pos):  # "R"
                head_end = buf.find(b"\r\n\r\n", pos)
                if head_end < 0:
                    if n - pos > MAX_HEADER:
                        raise RtspProtocolError("RTSP response head too long")
                    break
                status, reason, headers, length = parse_head(buf[pos:head_end])
                end = head_end + 4 + length
                if end > n:
                    break
                responses.append(Response(status, reason, headers, buf[head_end + 4 : end]))
                pos = end
            elif n - pos < 5 and b"RTSP/".startswith(buf[pos:n]):
                break  # perhaps the start of a response: wait for the rest
            else:
                nxt = buf.find(b"$", pos + 1)
                nxt = n if nxt < 0 else nxt
                self.skipped += nxt - pos
                pos = nxt
        self._rest = buf[pos:] if pos < n else b""
        return responses


_H264_PARAMS = frozenset({7, 8})
_H265_PARAMS = frozenset({32, 33, 34})


class Depacketizer:
    """RTP packets of one H.264 or H.265 stream → :class:`AccessUnit` callbacks."""

    def __init__(
        self,
        codec: str,
        payload_type: int,
        on_unit: Callable[[AccessUnit], None],
        parameter_sets: list[bytes] | None = None,
    ) -> None:
        if codec not in ("h264", "hevc"):
            raise ValueError(f"no depacketizer for {codec}")
        self.hevc = codec == "hevc"
        self.payload_type = payload_type
        self.on_unit = on_unit
        self._nals: list[bytes] = []
        self._fu: list[bytes] | None = None
        self._ts: int | None = None  # RTP timestamp of the unit being gathered
        self._ext = 0  # unwrapped timestamp of the last packet
        self._seq: int | None = None
        self._damaged = False
        self._key = False
        self._has_params = False
        # Latest parameter sets by NAL type, put in front of keyframes that lack them.
        self.params: dict[int, bytes] = {}
        for nal in parameter_sets or []:
            if nal:
                self._note_param(nal)
        self.lost = 0  # RTP packets missing by sequence number
        self.refused = 0  # packets that were not RTP of this stream

    def push(self, pkt: bytes) -> None:
        """Take one RTP packet."""
        n = len(pkt)
        if n < 13 or pkt[0] >> 6 != 2 or pkt[1] & 0x7F != self.payload_type:
            self.refused += 1
            return
        b0 = pkt[0]
        head = 12 + 4 * (b0 & 0x0F)
        if b0 & 0x10:  # header extension
            if head + 4 > n:
                self.refused += 1
                return
            head += 4 + 4 * (pkt[head + 2] << 8 | pkt[head + 3])
        end = n - pkt[-1] if b0 & 0x20 else n
        if head >= end:
            self.refused += 1
            return
        seq = pkt[2] << 8 | pkt[3]
        if self._seq is not None and seq != (self._seq + 1) & 0xFFFF:
            self.lost += (seq - self._seq - 1) & 0xFFFF
            self._damaged = True
            self._fu = None  # a fragmented unit missing a piece cannot be rebuilt
        self._seq = seq
        # A unit ends where the timestamp changes, not at the marker bit: some cameras set
        # the marker on parameter sets too. Recording can wait one frame for certainty.
        ts = int.from_bytes(pkt[4:8], "big")
        if ts != self._ts:
            if self._nals:
                self._flush()
            self._advance(ts)
        if self.hevc:
            self._hevc(pkt, head, end)
        else:
            self._h264(pkt, head, end)

    def flush(self) -> None:
        """Hand over the unit being gathered (the stream ended)."""
        if self._nals:
            self._flush()

    def _advance(self, ts: int) -> None:
        if self._ts is None:
            self._ext = ts
        else:
            diff = (ts - self._ts) & 0xFFFFFFFF
            self._ext += diff if diff < 0x80000000 else diff - 0x100000000
        self._ts = ts

    def _h264(self, pkt: bytes, head: int, end: int) -> None:
        kind = pkt[head] & 0x1F
        if 1 <= kind <= 23:
            self._nal(pkt[head:end], kind)
        elif kind == 24:  # STAP-A: 16-bit sizes and NAL units
            self._aggregate(pkt, head + 1, end)
        elif kind == 28 and head + 2 <= end:  # FU-A
            fu = pkt[head + 1]
            if fu & 0x80:
                self._fu = [bytes(((pkt[head] & 0xE0) | (fu & 0x1F),)), pkt[head + 2 : end]]
            elif self._fu is not None:
                self._fu.append(pkt[head + 2 : end])
            if fu & 0x40 and self._fu is not None:
                nal, self._fu = b"".join(self._fu), None
                self._nal(nal, fu & 0x1F)
        else:
            self.refused += 1  # STAP-B, MTAP, FU-B: not sent by cameras in practice

    def _hevc(self, pkt: bytes, head: int, end: int) -> None:
        if head + 2 > end:
            self.refused += 1
            return
        kind = (pkt[head] >> 1) & 0x3F
        if kind < 48:
            self._nal(pkt[head:end], kind)
        elif kind == 48:  # aggregation packet (no DONL: sprop-max-don-diff is 0)
            self._aggregate(pkt, head + 2, end)
        elif kind == 49 and head + 3 <= end:  # fragmentation unit
            fu = pkt[head + 2]
            if fu & 0x80:
                first = bytes(((pkt[head] & 0x81) | ((fu & 0x3F) << 1), pkt[head + 1]))
                self._fu = [first, pkt[head + 3 : end]]
            elif self._fu is not None:
                self._fu.append(pkt[head + 3 : end])
            if fu & 0x40 and self._fu is not None:
                nal, self._fu = b"".join(self._fu), None
                self._nal(nal, fu & 0x3F)
        else:
            self.refused += 1

    def _aggregate(self, pkt: bytes, pos: int, end: int) -> None:
        while pos + 2 <= end:
            size = pkt[pos] << 8 | pkt[pos + 1]
            pos += 2
            if size == 0 or pos + size > end:
                self.refused += 1
                return
            nal = pkt[pos : pos + size]
            self._nal(nal, (nal[0] >> 1) & 0x3F if self.hevc else nal[0] & 0x1F)
            pos += size

    def _nal(self, nal: bytes, kind: int) -> None:
        self._nals.append(nal)
        if self.hevc:
            if 16 <= kind <= 21:
                self._key = True
            elif kind in _H265_PARAMS:
                self._note_param(nal)
                self._has_params = True
        elif kind == 5:
            self._key = True
        elif kind in _H264_PARAMS:
            self._note_param(nal)
            self._has_params = True

    def _note_param(self, nal: bytes) -> None:
        kind = (nal[0] >> 1) & 0x3F if self.hevc else nal[0] & 0x1F
        self.params[kind] = bytes(nal)

    def _flush(self) -> None:
        nals, key = self._nals, self._key
        if key and not self._has_params and self.params:
            nals = [self.params[k] for k in sorted(self.params)] + nals
        self.on_unit(AccessUnit(self._ext, START + START.join(nals), key, self._damaged))
        self._nals, self._key, self._has_params, self._damaged = [], False, False, False


class Reorder:
    """Decoding timestamps for units that arrive in decoding order with only their pts.

    RTP carries presentation times. Without B-frames (most surveillance cameras) dts is
    the pts. With them, dts must stay monotonic and never pass pts: seeded with ``depth``
    frames before the first, dts is the smallest pts not yet used, which holds both for
    any stream whose pictures are at most ``depth`` frames out of order.
    """

    def __init__(self, depth: int = 0) -> None:
        self.depth = depth
        self._heap: list[int] = []
        self.last = -(2**62)

    def dts(self, pts: int, step: int) -> int | None:
        """The dts of the next unit; None when it arrived further out of order than ``depth``."""
        if self.depth == 0:
            if pts <= self.last:
                return None
            self.last = pts
            return pts
        if not self._heap and self.last == -(2**62):
            self._heap = [pts - (i + 1) * step for i in range(self.depth)]
            heapq.heapify(self._heap)
        dts = heapq.heappushpop(self._heap, pts)
        if dts <= self.last:
            return None
        self.last = dts
        return dts
