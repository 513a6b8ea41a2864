"""MPEG-2 PS over RTP: what is muxed and packetized reads back whole, at any size."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from anfang.uplink.adapters import ps


def test_crc32_mpeg2_check_value() -> None:
    assert ps.crc32_mpeg(b"123456789") == 0x0376E6E7


@given(st.integers(0, (1 << 33) - 1))
def test_timestamps_round_trip(ts: int) -> None:
    assert ps.read_timestamp(ps._timestamp(0x2, ts)) == ts


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.binary(min_size=1, max_size=150_000), st.booleans()), min_size=1, max_size=4
    ),
    st.sampled_from(["h264", "hevc"]),
    st.integers(0, 65535),
    st.booleans(),
)
def test_frames_read_back_whole(
    frames: list[tuple[bytes, bool]], codec: str, seq: int, tcp: bool
) -> None:
    demux = ps.Demuxer()
    for n, (data, key) in enumerate(frames):
        unit = b"\x00\x00\x00\x01" + data
        packets = ps.packetize(ps.mux(unit, 3000 * n, key, codec), seq, 3000 * n, 42)
        assert all(len(p) <= 12 + ps.RTP_PAYLOAD for p in packets)
        seq = (seq + len(packets)) & 0xFFFF
        for p in packets:
            if tcp:
                framed = ps.frame_tcp(p)
                demux.feed_tcp(framed[:3])
                demux.feed_tcp(framed[3:])
            else:
                demux.feed(p)
    assert [f.data for f in demux.frames] == [b"\x00\x00\x00\x01" + d for d, _ in frames]
    assert [f.pts for f in demux.frames] == [3000 * n for n in range(len(frames))]
    assert [f.keyframe for f in demux.frames] == [k for _, k in frames]
    assert demux.lost == 0 and demux.ssrc == 42
    if any(k for _, k in frames):
        assert demux.stream_type == ps.STREAM_TYPES[codec]


def test_a_pack_header_is_14_bytes_and_marked() -> None:
    head = ps.pack_header(0x1_2345_6789)
    assert len(head) == 14 and head[:4] == b"\x00\x00\x01\xba"
    assert head[4] & 0xC4 == 0x44 and head[9] & 0x01 == 1
