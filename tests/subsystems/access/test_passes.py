"""The visitor-pass codec: base45, signing, offline verification and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from anfang.core.events import new_id
from anfang.subsystems.access import passes as p

KEY = Ed25519PrivateKey.generate()
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def make(
    doors: tuple[str, ...] = ("GATE-S-P1", "DR-B01-1"),
    uses: int = 2,
    key: Ed25519PrivateKey = KEY,
) -> p.PassPayload:
    pid = new_id()
    return p.PassPayload(
        p.key_id(key.public_key()),
        pid,
        7,
        T0,
        T0 + timedelta(hours=4),
        uses,
        p.name_hash(pid, "王 小明"),
        doors,
    )


@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    text = p.b45encode(data)
    assert set(text) <= set(p.B45)
    assert p.b45decode(text) == data


def test_base45_rfc9285_examples() -> None:
    assert p.b45encode(b"AB") == "BB8"
    assert p.b45encode(b"Hello!!") == "%69 VD92EX0"
    assert p.b45decode("QED8WEX0") == b"ietf!"
    with pytest.raises(ValueError, match="out of range"):
        p.b45decode("GGW")  # 65535 + 1
    with pytest.raises(ValueError, match="not base45"):
        p.b45decode("ab~")


@given(st.binary(min_size=16, max_size=16))
def test_ulid_bytes_round_trip(raw: bytes) -> None:
    assert p.ulid_to_bytes(p.bytes_to_ulid(raw)) == raw
    pid = new_id()
    assert p.bytes_to_ulid(p.ulid_to_bytes(pid)) == pid


def test_encode_is_compact_and_verifies_offline() -> None:
    payload = make()
    text = p.encode(payload, KEY)
    assert text.startswith("AF1:") and len(text) < 260
    got = p.verify(text, KEY.public_key(), T0 + timedelta(minutes=5), "DR-B01-1")
    assert got == payload
    assert got.name_hash == p.name_hash(payload.pass_id, "  王 小明 ")  # spacing normalised


@pytest.mark.parametrize(
    ("now", "door", "reason"),
    [
        (T0 - timedelta(minutes=10), None, "not_yet_valid"),
        (T0 + timedelta(hours=4, minutes=3), None, "expired"),
        (T0 + timedelta(hours=1), "CAM-01", "wrong_door"),
    ],
)
def test_refusals_name_their_reason(now: datetime, door: str | None, reason: str) -> None:
    text = p.encode(make(), KEY)
    with pytest.raises(p.PassInvalid) as err:
        p.verify(text, KEY.public_key(), now, door)
    assert err.value.reason == reason


def test_clock_skew_is_tolerated_within_two_minutes() -> None:
    text = p.encode(make(), KEY)
    p.verify(text, KEY.public_key(), T0 - timedelta(seconds=90))
    p.verify(text, KEY.public_key(), T0 + timedelta(hours=4, seconds=90))


def test_forged_and_foreign_passes_are_refused() -> None:
    text = p.encode(make(uses=1), KEY)
    raw = bytearray(p.b45decode(text[4:]))
    raw[p._HEAD.size - 9] ^= 0x01  # one bit of the use count: signature no longer matches
    with pytest.raises(p.PassInvalid) as err:
        p.verify("AF1:" + p.b45encode(bytes(raw)), KEY.public_key(), T0)
    assert err.value.reason == "forged"
    other = Ed25519PrivateKey.generate()
    with pytest.raises(p.PassInvalid) as err:  # someone else's key
        p.verify(p.encode(make(key=other), other), KEY.public_key(), T0)
    assert err.value.reason == "unknown_key"
    with pytest.raises(p.PassInvalid) as err:  # our key id, someone else's signature
        p.verify(p.encode(make(), other), KEY.public_key(), T0)
    assert err.value.reason == "forged"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        p.verify(p.encode(make(), KEY), KEY.public_key(), datetime(2026, 5, 1))  # noqa: DTZ001


@given(st.text(max_size=400))
def test_any_text_is_refused_cleanly(text: str) -> None:
    with pytest.raises(p.PassInvalid) as err:
        p.verify(text, KEY.public_key(), T0)
    assert err.value.reason in {"malformed", "unknown_key", "forged"}


@given(st.binary(max_size=300))
def test_any_bytes_behind_the_prefix_are_refused_cleanly(data: bytes) -> None:
    with pytest.raises(p.PassInvalid) as err:
        p.verify("AF1:" + p.b45encode(data), KEY.public_key(), T0)
    assert err.value.reason in {"malformed", "unknown_key", "forged"}


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=255))
def test_truncated_or_flipped_passes_are_refused(cut: int, flip: int) -> None:
    raw = bytearray(p.b45decode(p.encode(make(), KEY)[4:]))
    raw[cut % len(raw)] ^= flip or 1  # one byte changed, and maybe a few cut off the end
    with pytest.raises(p.PassInvalid):
        p.verify("AF1:" + p.b45encode(bytes(raw[: len(raw) - (cut % 3)])), KEY.public_key(), T0)
