"""SIP over a stream, pure: cut anywhere, the same messages come back; a stream that cannot
be resynchronised is refused; no bytes escape."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.wire import sip
from anfang.wire.sip import SipError
from anfang.wire.sip_framing import split_stream
from tests.wire.test_sip import INVITE


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=5), st.data())
def test_a_stream_cut_anywhere_gives_back_the_same_messages(
    bodies: list[bytes], data: st.DataObject
) -> None:
    messages = [
        sip.build_request(
            "MESSAGE",
            "sip:a@b",
            [
                ("Via", f"SIP/2.0/TCP 1.2.3.4:5060;branch=z9hG4bK{i}"),
                ("From", "<sip:x@y>;tag=1"),
                ("To", "<sip:a@b>"),
                ("Call-ID", f"c{i}"),
                ("CSeq", f"{i + 1} MESSAGE"),
            ],
            body,
        )
        for i, body in enumerate(bodies)
    ]
    stream = b"\r\n\r\n".join(messages)  # CRLF keep-alives between some of them
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    got: list[bytes] = []
    rest = b""
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out, rest = split_stream(rest + stream[a:b])
        got += out
    assert rest == b""
    assert [sip.parse(m).body for m in got] == bodies


def test_a_stream_without_content_length_is_refused() -> None:
    head = INVITE.split(b"Content-Length")[0] + b"\r\n"
    with pytest.raises(SipError, match="Content-Length"):
        split_stream(head + b"v=0")


def test_an_endless_header_on_a_stream_is_refused() -> None:
    with pytest.raises(SipError, match="end of headers"):
        split_stream(b"MESSAGE sip:a@b SIP/2.0\r\nX: " + b"a" * 20_000)


@given(st.binary(max_size=2000))
def test_stream_splitting_never_escapes(data: bytes) -> None:
    with contextlib.suppress(SipError):
        out, rest = split_stream(data)
        assert sum(len(m) for m in out) + len(rest) <= len(data)
