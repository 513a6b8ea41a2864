"""RTSP requests, responses, authentication and SDP without a network."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.video.adapters.rtsp_wire import (
    Challenge,
    Credentials,
    RtspProtocolError,
    build_request,
    interleaved_channels,
    parse_challenges,
    parse_head,
    parse_sdp,
    session_of,
)


def test_request_and_head() -> None:
    req = build_request("DESCRIBE", "rtsp://cam/s", 3, {"Accept": "application/sdp"})
    assert req.startswith(b"DESCRIBE rtsp://cam/s RTSP/1.0\r\nCSeq: 3\r\n")
    assert req.endswith(b"Accept: application/sdp\r\n\r\n")
    with pytest.raises(ValueError, match="line break"):
        build_request("OPTIONS", "rtsp://cam/s", 1, {"X": "a\r\nInjected: 1"})
    head = b'RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Basic realm="x"\r\n'
    head += b'WWW-Authenticate: Digest realm="r", nonce="n"\r\nContent-Length: 0'
    status, reason, headers, length = parse_head(head)
    assert (status, reason, length) == (401, "Unauthorized", 0)
    assert [c.scheme for c in parse_challenges(headers["www-authenticate"])] == ["digest", "basic"]


@pytest.mark.parametrize(
    "head",
    [b"HTTP/1.1 200 OK", b"RTSP/1.0 abc", b"RTSP/1.0 200 OK\r\nContent-Length: -1", b"\xff\xfe"],
)
def test_bad_heads_are_protocol_errors(head: bytes) -> None:
    with pytest.raises(RtspProtocolError):
        parse_head(head)


@given(st.binary(max_size=500))
def test_any_head_parses_or_is_refused(head: bytes) -> None:
    with contextlib.suppress(RtspProtocolError):
        parse_head(head)


def test_digest_matches_rfc_2617_example() -> None:
    challenge = parse_challenges(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )[0]
    creds = Credentials("Mufasa", "Circle Of Life", challenge, cnonce="0a4f113b")
    value = creds.header("GET", "/dir/index.html")
    assert value is not None
    assert 'response="6629fae49393a05397450978507c4ef1"' in value
    assert "nc=00000001" in value and 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in value


def test_basic_and_unsupported_digest() -> None:
    creds = Credentials("admin", "pä:ss", Challenge("basic", {"realm": "cam"}))
    value = creds.header("DESCRIBE", "rtsp://cam/s")
    assert value == "Basic " + base64.b64encode("admin:pä:ss".encode()).decode()
    assert Credentials("a", "b").header("DESCRIBE", "rtsp://cam/s") is None
    sha = Credentials("a", "b", Challenge("digest", {"nonce": "n", "algorithm": "SHA-512"}))
    with pytest.raises(RtspProtocolError, match="SHA-512"):
        sha.header("DESCRIBE", "rtsp://cam/s")


SDP = """v=0
o=- 1 1 IN IP4 127.0.0.1
s=Session
a=control:*
m=audio 0 RTP/AVP 0
a=control:trackID=0
m=video 0 RTP/AVP 96
a=rtpmap:96 H264/90000
a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0IAHpWoKA9k,aM48gA==
a=control:trackID=1
m=video 0 RTP/AVP 26
a=control:rtsp://other/abs
"""


def test_sdp_media_controls_and_parameter_sets() -> None:
    media = parse_sdp(SDP, "rtsp://cam:554/Streaming/101")
    assert [m.kind for m in media] == ["audio", "video", "video"]
    video = media[1]
    assert (video.codec, video.payload_type, video.clock_rate) == ("h264", 96, 90000)
    assert video.control == "rtsp://cam:554/Streaming/101/trackID=1"
    assert video.parameter_sets() == [
        base64.b64decode("Z0IAHpWoKA9k"),
        base64.b64decode("aM48gA=="),
    ]
    assert (media[2].codec, media[2].control) == ("mjpeg", "rtsp://other/abs")
    with pytest.raises(RtspProtocolError):
        parse_sdp("m=video 0 RTP/AVP x", "rtsp://cam/")


@given(st.text(max_size=400))
def test_any_sdp_parses_or_is_refused(text: str) -> None:
    with contextlib.suppress(RtspProtocolError):
        parse_sdp(text, "rtsp://cam/s")


def test_session_and_transport_headers() -> None:
    assert session_of("12345678;timeout=30") == ("12345678", 30.0)
    assert session_of("abc") == ("abc", None)
    assert interleaved_channels("RTP/AVP/TCP;unicast;interleaved=2-3") == (2, 3)
    assert interleaved_channels("RTP/AVP;unicast;client_port=5000-5001") is None
