"""MPEG-2 program stream (ISO/IEC 13818-1 §2.5) over RTP, pure: what GB/T 28181 carries video in.

:func:`mux` wraps one H.264 or H.265 access unit (Annex B) in a pack header, on keyframes
the system header and the stream map, and PES packets with the PTS. :func:`packetize`
cuts that into RTP packets (payload type 96, 90 kHz, the marker on a frame's last
packet); :func:`frame_tcp` adds RFC 4571's length prefix for RTP over TCP.
:class:`Demuxer` does the reverse, for the tests and the simulated upper platform.

Written here because no maintained Python library muxes PS (PyAV/FFmpeg's ``vob``/``dvd``
muxers write MPEG-2 PS for DVDs, without the H.264/H.265 stream types GB/T 28181 uses),
and one frame costs a few slices here against a process-wide encoder there.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

STREAM_TYPES = {"h264": 0x1B, "hevc": 0x24}
VIDEO_ID = 0xE0
PES_PAYLOAD = 65_400  # a PES packet's length field is 16 bits
RTP_PAYLOAD = 1_400
MUX_RATE = 6_106  # units of 50 bytes/s, a nominal value: receivers use SCR and PTS


def _crc32_table() -> list[int]:
    table = []
    for i in range(256):
        c = i << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) if c & 0x80000000 else c << 1
        table.append(c & 0xFFFFFFFF)
    return table


_CRC = _crc32_table()


def crc32_mpeg(data: bytes) -> int:
    """CRC-32/MPEG-2 (polynomial 0x04C11DB7, no reflection), as the stream map carries."""
    c = 0xFFFFFFFF
    for b in data:
        c = ((c << 8) & 0xFFFFFFFF) ^ _CRC[((c >> 24) ^ b) & 0xFF]
    return c


def _timestamp(prefix: int, ts: int) -> bytes:
    ts &= (1 << 33) - 1
    return bytes(
        (
            (prefix << 4) | ((ts >> 29) & 0x0E) | 1,
            (ts >> 22) & 0xFF,
            ((ts >> 14) & 0xFE) | 1,
            (ts >> 7) & 0xFF,
            ((ts << 1) & 0xFE) | 1,
        )
    )


def read_timestamp(b: bytes) -> int:
    """The 33-bit value of a 5-byte PTS/DTS field."""
    return (
        ((b[0] >> 1) & 0x07) << 30
        | b[1] << 22
        | ((b[2] >> 1) & 0x7F) << 15
        | b[3] << 7
        | ((b[4] >> 1) & 0x7F)
    )


def pack_header(scr: int) -> bytes:
    """The 14-byte pack header with system clock reference ``scr`` (90 kHz)."""
    scr &= (1 << 33) - 1
    head = bytes(
        (
            0x44 | ((scr >> 27) & 0x38) | ((scr >> 28) & 0x03),
            (scr >> 20) & 0xFF,
            ((scr >> 12) & 0xF8) | 0x04 | ((scr >> 13) & 0x03),
            (scr >> 5) & 0xFF,
            ((scr << 3) & 0xF8) | 0x04,
            0x01,
        )
    )
    rate = (MUX_RATE << 2) | 0x03
    return b"\x00\x00\x01\xba" + head + rate.to_bytes(3, "big") + b"\xf8"


def system_header() -> bytes:
    """The system header for one video stream."""
    rate = (1 << 23) | (MUX_RATE << 1) | 1
    body = rate.to_bytes(3, "big") + bytes((0x04, 0xE1, 0xFF, VIDEO_ID, 0xE4, 0x00))
    return b"\x00\x00\x01\xbb" + struct.pack(">H", len(body)) + body


def stream_map(codec: str) -> bytes:
    """The program stream map naming the video stream's type (H.264 0x1B, H.265 0x24)."""
    es = bytes((STREAM_TYPES[codec], VIDEO_ID, 0, 0))
    body = bytes((0xE0, 0xFF)) + struct.pack(">HH", 0, len(es)) + es
    whole = b"\x00\x00\x01\xbc" + struct.pack(">H", len(body) + 4) + body
    return whole + struct.pack(">I", crc32_mpeg(whole))


def mux(unit: bytes, pts: int, keyframe: bool, codec: str) -> bytes:
    """One access unit as program stream bytes (pack, [system header, map], PES…)."""
    out = [pack_header(pts)]
    if keyframe:
        out += [system_header(), stream_map(codec)]
    first = True
    for pos in range(0, max(len(unit), 1), PES_PAYLOAD):
        chunk = unit[pos : pos + PES_PAYLOAD]
        if first:
            ext = bytes((0x84, 0x80, 5)) + _timestamp(0x2, pts)
            first = False
        else:
            ext = bytes((0x80, 0x00, 0))
        out.append(b"\x00\x00\x01\xe0" + struct.pack(">H", len(ext) + len(chunk)) + ext + chunk)
    return b"".join(out)


def packetize(ps: bytes, seq: int, timestamp: int, ssrc: int, pt: int = 96) -> list[bytes]:
    """RTP packets of one frame's PS bytes; sequence numbers from ``seq`` (mod 2¹⁶)."""
    packets = []
    n = len(ps)
    for i, pos in enumerate(range(0, n, RTP_PAYLOAD)):
        last = pos + RTP_PAYLOAD >= n
        head = struct.pack(
            ">BBHII",
            0x80,
            (0x80 if last else 0) | pt,
            (seq + i) & 0xFFFF,
            timestamp & 0xFFFFFFFF,
            ssrc & 0xFFFFFFFF,
        )
        packets.append(head + ps[pos : pos + RTP_PAYLOAD])
    return packets


def frame_tcp(packet: bytes) -> bytes:
    """RFC 4571: an RTP packet with its 16-bit length in front."""
    return struct.pack(">H", len(packet)) + packet


@dataclass(frozen=True, slots=True)
class Frame:
    """A frame read back out of PS: the stream type, its PTS, key or not, Annex B data."""

    stream_type: int | None
    pts: int | None
    keyframe: bool
    data: bytes


class Demuxer:
    """RTP packets (or RFC 4571 stream bytes) of PS → :class:`Frame` s, for checks."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.stream_type: int | None = None
        self.ssrc: int | None = None
        self.packets = 0
        self.lost = 0
        self._seq: int | None = None
        self._ps = bytearray()
        self._tcp = b""

    def feed_tcp(self, data: bytes) -> None:
        """Take RFC 4571 framed bytes."""
        buf = self._tcp + data
        pos = 0
        while len(buf) - pos >= 2:
            n = struct.unpack_from(">H", buf, pos)[0]
            if len(buf) - pos - 2 < n:
                break
            self.feed(buf[pos + 2 : pos + 2 + n])
            pos += 2 + n
        self._tcp = buf[pos:]

    def feed(self, packet: bytes) -> None:
        """Take one RTP packet; a frame is read when its marker bit arrives."""
        if len(packet) < 12 or packet[0] >> 6 != 2:
            return
        self.packets += 1
        seq = struct.unpack_from(">H", packet, 2)[0]
        if self._seq is not None and seq != (self._seq + 1) & 0xFFFF:
            self.lost += (seq - self._seq - 1) & 0xFFFF
        self._seq = seq
        self.ssrc = struct.unpack_from(">I", packet, 8)[0]
        head = 12 + 4 * (packet[0] & 0x0F)
        self._ps += packet[head:]
        if packet[1] & 0x80:
            self._frame(bytes(self._ps))
            self._ps.clear()

    def _frame(self, ps: bytes) -> None:
        pos, n = 0, len(ps)
        data, pts, key = bytearray(), None, False
        while pos + 4 <= n:
            if ps[pos : pos + 3] != b"\x00\x00\x01":
                pos += 1
                continue
            code = ps[pos + 3]
            if code == 0xBA:
                pos += 14 + (ps[pos + 13] & 0x07)
            elif code == 0xBC:
                length = struct.unpack_from(">H", ps, pos + 4)[0]
                self.stream_type = ps[pos + 12]
                key = True
                pos += 6 + length
            elif code == 0xBB or code == 0xBE:
                pos += 6 + struct.unpack_from(">H", ps, pos + 4)[0]
            elif code == VIDEO_ID:
                length = struct.unpack_from(">H", ps, pos + 4)[0]
                hlen = ps[pos + 8]
                if ps[pos + 7] & 0x80 and pts is None:
                    pts = read_timestamp(ps[pos + 9 : pos + 14])
                data += ps[pos + 9 + hlen : pos + 6 + length]
                pos += 6 + length
            else:
                pos += 4
        if data:
            self.frames.append(Frame(self.stream_type, pts, key, bytes(data)))
