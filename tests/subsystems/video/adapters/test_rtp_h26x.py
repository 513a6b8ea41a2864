"""RTP → H.264/H.265 access units and interleaved framing: round trips and fuzzing."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from anfang.subsystems.video.adapters.rtp_h26x import (
    START,
    AccessUnit,
    Depacketizer,
    Interleaved,
    Reorder,
)
from anfang.subsystems.video.adapters.rtsp_wire import RtspProtocolError


def rtp(seq: int, ts: int, payload: bytes, marker: bool = False, pt: int = 96) -> bytes:
    """One RTP packet (version 2, no CSRC, no extension)."""
    return struct.pack("!BBHII", 0x80, pt | (0x80 if marker else 0), seq & 0xFFFF, ts, 1) + payload


def packetize(nals: list[bytes], mtu: int, hevc: bool) -> list[bytes]:
    """RTP payloads for one unit: single NAL units, or fragments of those over ``mtu``."""
    out: list[bytes] = []
    for nal in nals:
        if len(nal) <= mtu:
            out.append(nal)
            continue
        if hevc:
            kind = (nal[0] >> 1) & 0x3F
            head, body = bytes(((nal[0] & 0x81) | (49 << 1), nal[1])), nal[2:]
        else:
            kind = nal[0] & 0x1F
            head, body = bytes(((nal[0] & 0xE0) | 28,)), nal[1:]
        pieces = [body[i : i + mtu] for i in range(0, len(body), mtu)]
        for i, piece in enumerate(pieces):
            fu = kind | (0x80 if i == 0 else 0) | (0x40 if i == len(pieces) - 1 else 0)
            out.append(head + bytes((fu,)) + piece)
    return out


def nal(kind: int, body: bytes, hevc: bool) -> bytes:
    """A NAL unit of ``kind`` with ``body``."""
    return bytes(((kind << 1) & 0x7E, 1)) + body if hevc else bytes((0x60 | kind,)) + body


units = st.lists(
    st.tuples(
        st.booleans(), st.lists(st.binary(min_size=1, max_size=3000), min_size=1, max_size=3)
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(units, st.integers(200, 1400), st.booleans(), st.integers(0, 2**32 - 1))
def test_units_survive_any_fragmentation(
    spec: list[tuple[bool, list[bytes]]], mtu: int, hevc: bool, ts0: int
) -> None:
    got: list[AccessUnit] = []
    dep = Depacketizer("hevc" if hevc else "h264", 96, got.append)
    seq, sent = 65530, []
    for i, (key, bodies) in enumerate(spec):
        kinds = [(19 if hevc else 5) if key else 1] * len(bodies)
        nals = [nal(k, b, hevc) for k, b in zip(kinds, bodies, strict=True)]
        sent.append((START + START.join(nals), key))
        for j, payload in enumerate(packetize(nals, mtu, hevc)):
            dep.push(rtp(seq, (ts0 + i * 3600) & 0xFFFFFFFF, payload, marker=j == 0))
            seq += 1
    dep.flush()
    assert [(u.data, u.keyframe) for u in got] == sent
    assert [u.pts - got[0].pts for u in got] == [i * 3600 for i in range(len(spec))]
    assert dep.lost == 0 and not any(u.damaged for u in got)


def test_stap_a_and_parameter_sets_before_keyframes() -> None:
    got: list[AccessUnit] = []
    sps, pps = nal(7, b"\x42\x00\x1e", False), nal(8, b"\xce\x38\x80", False)
    dep = Depacketizer("h264", 96, got.append, parameter_sets=[sps, pps])
    idr, slice_ = nal(5, b"\x88" * 50, False), nal(1, b"\x9a" * 20, False)
    stap = bytes((24,)) + len(sps).to_bytes(2, "big") + sps + len(pps).to_bytes(2, "big") + pps
    dep.push(rtp(1, 1000, stap))
    dep.push(rtp(2, 1000, idr))
    dep.push(rtp(3, 4600, idr))  # a keyframe without in-band sets gets the last ones
    dep.push(rtp(4, 8200, slice_))
    dep.flush()
    assert got[0].data == START + START.join([sps, pps, idr])
    assert got[1].data == START + START.join([sps, pps, idr]) and got[1].keyframe
    assert got[2].data == START + slice_ and not got[2].keyframe


def test_lost_packets_are_counted_and_mark_the_unit() -> None:
    got: list[AccessUnit] = []
    dep = Depacketizer("h264", 96, got.append)
    big = nal(5, bytes(range(256)) * 10, False)
    frags = packetize([big], 500, False)
    for i, payload in enumerate(frags):
        if i != 2:  # one fragment never arrives
            dep.push(rtp(10 + i, 0, payload))
    dep.push(rtp(10 + len(frags), 3600, nal(1, b"\x01\x02", False)))
    dep.push(rtp(10 + len(frags) + 1, 7200, nal(1, b"\x03", False)))
    dep.flush()
    assert dep.lost == 1
    assert got[0].data == START + nal(1, b"\x01\x02", False) and got[0].damaged
    assert not got[1].damaged


def test_not_ours_is_refused() -> None:
    dep = Depacketizer("h264", 96, lambda u: None)
    for pkt in (b"", b"\x80" * 12, rtp(1, 0, b"\x65x", pt=97), b"\x40" + rtp(1, 0, b"x")[1:]):
        dep.push(pkt)
    assert dep.refused == 4


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=20), st.booleans())
def test_random_packets_never_raise(packets: list[bytes], hevc: bool) -> None:
    dep = Depacketizer("hevc" if hevc else "h264", 96, lambda u: None)
    for i, pkt in enumerate(packets):
        dep.push(pkt)  # not even RTP
        dep.push(rtp(i, i // 3, pkt))  # RTP around any payload
    dep.flush()


def _frame(channel: int, data: bytes) -> bytes:
    return b"$" + bytes((channel,)) + len(data).to_bytes(2, "big") + data


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.binary(min_size=1, max_size=600)), max_size=15),
    st.lists(st.integers(1, 700), min_size=1, max_size=30),
)
def test_interleaved_split_anywhere(frames: list[tuple[int, bytes]], cuts: list[int]) -> None:
    response = b"RTSP/1.0 200 OK\r\nCSeq: 7\r\nContent-Length: 3\r\n\r\nabc"
    stream = b"".join(_frame(c, d) for c, d in frames[:5]) + response
    stream += b"".join(_frame(c, d) for c, d in frames[5:])
    got: list[bytes] = []
    splitter = Interleaved(0, got.append)
    responses, pos = [], 0
    for cut in cuts * (len(stream) // max(1, sum(cuts)) + 1):
        responses += splitter.feed(stream[pos : pos + cut])
        pos += cut
        if pos >= len(stream):
            break
    assert got == [d for c, d in frames if c == 0]
    assert [(r.status, r.cseq, r.body) for r in responses] == [(200, 7, b"abc")]
    assert splitter.skipped == 0 and splitter.packets == len(got)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_interleaved_random_bytes_only_protocol_errors(data: bytes) -> None:
    splitter = Interleaved(0, lambda p: None)
    try:
        splitter.feed(data)
        splitter.feed(b"RTSP/1.0 200 OK\r\n\r\n")
    except RtspProtocolError:
        pass


def test_reorder_keeps_dts_monotonic_and_not_after_pts() -> None:
    plain = Reorder(0)
    assert [plain.dts(p, 1) for p in (0, 1, 2)] == [0, 1, 2]
    assert plain.dts(1, 1) is None  # out of order without a window
    bframes = Reorder(2)
    order = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8]  # I P B B P B B …, in decoding order
    dts = [d for p in order if (d := bframes.dts(p, 1)) is not None]
    assert len(dts) == len(order)
    assert dts == sorted(dts) and all(d <= p for d, p in zip(dts, order, strict=True))
