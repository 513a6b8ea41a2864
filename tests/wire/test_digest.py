"""HTTP digest (RFC 2617) as SIP and GA/T 1400 use it: known vectors, round trips, fuzzing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.wire import digest
from anfang.wire.digest import DigestError


def test_digest_matches_rfc2617_example() -> None:
    got = digest.digest_response(
        "Mufasa",
        "testrealm@host.com",
        "Circle Of Life",
        "GET",
        "/dir/index.html",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        qop="auth",
        nc="00000001",
        cnonce="0a4f113b",
    )
    assert got == "6629fae49393a05397450978507c4ef1"


def test_digest_authorization_round_trip() -> None:
    challenge = 'Digest realm="anfang", nonce="abc.def", algorithm=MD5, qop="auth"'
    header = digest.digest_authorization(challenge, "IM-1", "pw", "REGISTER", "sip:anfang")
    p = digest.parse_digest(header)
    assert (p["username"], p["realm"], p["nonce"], p["uri"], p["qop"]) == (
        "IM-1",
        "anfang",
        "abc.def",
        "sip:anfang",
        "auth",
    )
    want = digest.digest_response(
        "IM-1",
        "anfang",
        "pw",
        "REGISTER",
        "sip:anfang",
        "abc.def",
        qop="auth",
        nc=p["nc"],
        cnonce=p["cnonce"],
    )
    assert p["response"] == want
    with pytest.raises(DigestError, match="not Digest"):
        digest.parse_digest("Basic abc")


@given(st.text(max_size=200))
def test_digest_parsing_never_escapes(value: str) -> None:
    with contextlib.suppress(DigestError):
        digest.parse_digest("Digest " + value)


def test_digest_matches_the_gb28181_test_vector() -> None:
    """The vector of the GB/T 28181 digest (../shared/specs/gb28181-ga1400.md)."""
    got = digest.digest_response(
        "64010000002020000001",
        "64010000",
        "12345678",
        "REGISTER",
        "sip:64010000002000000001@172.18.16.5:5060",
        "6fe9ba44a76be22a",
    )
    assert got == "9625d92d1bddea7a911926e0db054968"
