"""The pure SIP core: parsing, building, strict refusals and fuzzing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.wire import sip
from anfang.wire.sip import SipError, SipRequest, SipResponse

INVITE = (
    b"INVITE sip:301@anfang SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds\r\n"
    b"Max-Forwards: 70\r\n"
    b'From: "Unit door" <sip:DS-B01-1@anfang>;tag=1928301774\r\n'
    b"To: <sip:301@anfang>\r\n"
    b"Call-ID: a84b4c76e66710@10.0.0.5\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b"Contact: <sip:DS-B01-1@10.0.0.5:5060>\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: 4\r\n\r\n"
    b"v=0\r\nextra"
)


def test_parse_invite() -> None:
    req = sip.parse(INVITE)
    assert isinstance(req, SipRequest)
    assert (req.method, req.uri, req.call_id, req.cseq) == (
        "INVITE",
        "sip:301@anfang",
        "a84b4c76e66710@10.0.0.5",
        (314159, "INVITE"),
    )
    assert req.body == b"v=0\r"  # Content-Length rules; the rest is ignored
    assert req.from_tag == "1928301774" and req.to_tag is None
    assert req.branch == "z9hG4bK776asdhds"
    assert sip.uri_user(req.uri) == "301"
    frm = sip.parse_name_addr(req.header("From") or "")
    assert frm == sip.NameAddr("Unit door", "sip:DS-B01-1@anfang", {"tag": "1928301774"})
    assert sip.uri_hostport("sip:DS-B01-1@10.0.0.5:5062") == ("10.0.0.5", 5062)
    assert sip.uri_hostport("sip:anfang") == ("anfang", 5060)


def test_compact_headers_and_folding() -> None:
    data = INVITE.replace(b"Call-ID:", b"i:").replace(b"Contact: <", b"m:\r\n  <")
    req = sip.parse(data)
    assert req.call_id == "a84b4c76e66710@10.0.0.5"
    assert req.header("contact") == "<sip:DS-B01-1@10.0.0.5:5060>"


def test_response_round_trip() -> None:
    req = sip.parse(INVITE)
    assert isinstance(req, SipRequest)
    raw = sip.build_response(req, 180, to_tag="abc", headers=[("Contact", "<sip:x@y>")])
    resp = sip.parse(raw)
    assert isinstance(resp, SipResponse)
    assert (resp.status, resp.reason, resp.to_tag, resp.cseq) == (
        180,
        "Ringing",
        "abc",
        (314159, "INVITE"),
    )
    assert resp.header_all("via") == req.header_all("via")
    assert sip.parse(sip.build_response(req, 100, to_tag="abc")).to_tag is None  # 100 has none
    declined = sip.parse(sip.build_response(req, 603))
    assert isinstance(declined, SipResponse) and declined.reason == "Decline"


@pytest.mark.parametrize(
    ("data", "message", "status"),
    [
        (INVITE.replace(b"\r\n\r\n", b"\r\n"), "no blank line", 400),
        (INVITE.replace(b"\r\n", b"\n", 1), "bare CR or LF", 400),
        (INVITE.replace(b"SIP/2.0\r\n", b"SIP/3.0\r\n", 1), "not SIP/2.0", 505),
        (INVITE.replace(b"Call-ID: a84b4c76e66710@10.0.0.5\r\n", b""), "missing call-id", 400),
        (INVITE.replace(b"CSeq: 314159 INVITE", b"CSeq: 314159 BYE"), "does not match", 400),
        (INVITE.replace(b"CSeq: 314159", b"CSeq: x"), "bad CSeq", 400),
        (INVITE.replace(b"Content-Length: 4", b"Content-Length: 400"), "only 10 bytes", 400),
        (INVITE.replace(b"Content-Length: 4", b"Content-Length: -1"), "Content-Length", 400),
        (INVITE.replace(b"sip:301@anfang SIP", b"http://x SIP"), "request URI", 400),
        (INVITE.replace(b"To: <sip:301@anfang>", b"To: nobody"), "not a SIP URI", 400),
        (INVITE.replace(b"Max-Forwards: 70", b"Max Forwards 70"), "bad header line", 400),
        (INVITE.replace(b"INVITE sip", b"invite sip", 1), "bad method", 400),
        (b"\xff\xfe\r\n\r\n", "not UTF-8", 400),
        (b"x" * 70_000, "too large", 413),
    ],
)
def test_strict_refusals(data: bytes, message: str, status: int) -> None:
    with pytest.raises(SipError, match=message) as err:
        sip.parse(data)
    assert err.value.status == status


def test_unknown_methods_parse_for_a_501() -> None:
    req = sip.parse(INVITE.replace(b"INVITE", b"SUBSCRIBE"))
    assert isinstance(req, SipRequest) and req.method not in sip.METHODS


def test_build_refuses_header_injection() -> None:
    with pytest.raises(ValueError, match="line break"):
        sip.build_request("MESSAGE", "sip:a@b", [("Subject", "x\r\nVia: evil")])


@given(st.binary(max_size=2000))
def test_any_bytes_parse_or_raise_sip_error(data: bytes) -> None:
    with contextlib.suppress(SipError):
        sip.parse(data)


@given(st.binary(max_size=60), st.integers(min_value=0, max_value=len(INVITE) - 1))
def test_spliced_garbage_never_escapes(noise: bytes, at: int) -> None:
    with contextlib.suppress(SipError):
        sip.parse(INVITE[:at] + noise + INVITE[at:])


_token = st.text("abcdefghijklmnopqrstuvwxyzABCDEF0123456789-.", min_size=1, max_size=20)


@given(
    st.sampled_from(sorted(sip.METHODS)),
    _token,
    _token,
    st.integers(min_value=0, max_value=2**31),
    st.binary(max_size=300),
    st.lists(st.tuples(st.sampled_from(["Subject", "X-Door", "User-Agent"]), _token), max_size=5),
)
def test_built_requests_parse_back(
    method: str, user: str, call_id: str, cseq: int, body: bytes, extra: list[tuple[str, str]]
) -> None:
    headers = [
        ("Via", f"SIP/2.0/UDP 127.0.0.1:5060;branch={sip.new_branch()}"),
        ("From", f"<sip:{user}@anfang>;tag={sip.new_tag()}"),
        ("To", f"<sip:{user}@anfang>"),
        ("Call-ID", call_id),
        ("CSeq", f"{cseq} {method}"),
        *extra,
    ]
    req = sip.parse(sip.build_request(method, f"sip:{user}@anfang", headers, body))
    assert isinstance(req, SipRequest)
    assert (req.method, req.call_id, req.cseq, req.body) == (method, call_id, (cseq, method), body)
    assert sip.uri_user(req.uri) == user
    for name, value in extra:
        assert value in req.header_all(name)


# --------------------------------------------------------------------------- streams (TCP)
