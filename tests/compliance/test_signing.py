"""Report signatures, pure: any change to a signed file, anywhere, is detected."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from anfang.compliance.signing import canonical, sign_file, verify_file

KEY = Ed25519PrivateKey.generate()
KID = "0123456789abcdef"


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=2000), st.booleans(), st.data())
def test_any_flipped_byte_is_detected(data: bytes, html: bool, pick: st.DataObject) -> None:
    signed = sign_file(data, KEY, KID, 7, html)
    ok = verify_file(signed, KEY.public_key(), KID)
    assert ok.valid and ok.report_id == 7
    i = pick.draw(st.integers(0, len(signed) - 1))
    flipped = signed[:i] + bytes([signed[i] ^ 0x01]) + signed[i + 1 :]
    assert not verify_file(flipped, KEY.public_key(), KID).valid


@given(st.binary(max_size=500))
def test_garbage_is_not_signed(data: bytes) -> None:
    assert not verify_file(data, KEY.public_key(), KID).valid


def test_canonical_is_stable() -> None:
    assert canonical({"b": 1, "a": "中"}) == '{"a":"中","b":1}'.encode()
