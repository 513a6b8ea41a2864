"""GB/T 28181 SDP: offers read (live, playback, TCP), refused with a reason, answered."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.uplink.adapters import gb_sdp

LIVE = (
    b"v=0\r\no=34020000002000000001 0 0 IN IP4 10.1.2.3\r\ns=Play\r\nc=IN IP4 10.1.2.3\r\n"
    b"t=0 0\r\nm=video 30000 RTP/AVP 96 98\r\na=recvonly\r\na=rtpmap:96 PS/90000\r\n"
    b"a=rtpmap:98 H264/90000\r\ny=0100000001\r\n"
)


def test_a_live_udp_offer() -> None:
    o = gb_sdp.parse_offer(LIVE)
    assert (o.session, o.address, o.port, o.tcp, o.ssrc, o.ps_payload) == (
        "Play", "10.1.2.3", 30000, False, "0100000001", 96,
    )  # fmt: skip


def test_a_tcp_playback_offer_and_its_answer() -> None:
    offer = LIVE.replace(b"s=Play", b"s=Playback").replace(b"t=0 0", b"t=1796500000 1796500600")
    offer = offer.replace(b"RTP/AVP 96 98", b"TCP/RTP/AVP 96") + b"a=setup:passive\r\n"
    o = gb_sdp.parse_offer(offer)
    assert o.tcp and o.setup == "passive" and (o.start, o.end) == (1796500000, 1796500600)
    answer = gb_sdp.answer(o, "34020000001320000001", "127.0.0.1", 9, "1000000001").decode()
    assert "m=video 9 TCP/RTP/AVP 96" in answer and "a=setup:active" in answer
    assert "y=1000000001" in answer and "a=sendonly" in answer and "s=Playback" in answer


@pytest.mark.parametrize(
    ("offer", "message"),
    [
        (LIVE.replace(b"m=video 30000 RTP/AVP 96 98\r\n", b""), "no video"),
        (LIVE.replace(b"c=IN IP4 10.1.2.3", b"c=IN IP4 example.com"), "IP address"),
        (LIVE.replace(b"RTP/AVP 96 98", b"TCP/RTP/AVP 96"), "setup"),
        (LIVE.replace(b"PS/90000", b"MP2T/90000").replace(b"H264/90000", b"X/1"), "PS"),
        (LIVE.replace(b"s=Play", b"s=Playback"), "t="),
        (LIVE.replace(b"y=0100000001", b"y=12"), "SSRC"),
        (LIVE.replace(b"30000", b"70000"), "port"),
        (LIVE.replace(b"s=Play", b"s=Talk"), "session"),
    ],
)
def test_offers_refused_with_a_reason(offer: bytes, message: str) -> None:
    with pytest.raises(gb_sdp.SdpError, match=message):
        gb_sdp.parse_offer(offer)


@given(st.binary(max_size=500))
def test_any_bytes_parse_or_are_refused(data: bytes) -> None:
    with contextlib.suppress(gb_sdp.SdpError):
        gb_sdp.parse_offer(data)
