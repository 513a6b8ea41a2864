"""Wiegand 26/34: round trips, parity checks and fuzzing of the pure core."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.access.adapters import wiegand as w


def test_known_w26_frame() -> None:
    # Facility 1, card 1: data 0x010001; first half 0x010 has one bit set -> even bit 1,
    # second half 0x001 has one bit set -> odd bit 0.
    frame = w.encode(26, 1, 1)
    assert format(frame, "026b") == "1" + format(0x010001, "024b") + "0"
    card = w.decode(frame, 26)
    assert (card.facility, card.number, card.credential) == (1, 1, str(0x010001))


@given(st.integers(0, 255), st.integers(0, 0xFFFF))
def test_w26_round_trip(facility: int, number: int) -> None:
    card = w.decode_bytes(w.encode_bytes(26, facility, number), 26)
    assert (card.bits, card.facility, card.number) == (26, facility, number)


@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
def test_w34_round_trip(facility: int, number: int) -> None:
    frame = w.encode(34, facility, number)
    assert w.parse_text(format(frame, "034b")) == w.Card(34, facility, number)


@given(st.sampled_from([26, 34]), st.integers(0, 255), st.integers(0, 0xFFFF), st.data())
def test_any_single_bit_flip_is_caught(bits: int, fac: int, num: int, data: st.DataObject) -> None:
    frame = w.encode(bits, fac, num)
    flip = data.draw(st.integers(0, bits - 1))
    # One flipped bit changes one half's parity: always detected.
    with pytest.raises(w.WiegandError) as err:
        w.decode(frame ^ (1 << flip), bits)
    assert err.value.reason == "parity"


@given(st.integers(min_value=-(1 << 40), max_value=1 << 40), st.integers(0, 64))
def test_decode_never_crashes(frame: int, bits: int) -> None:
    try:
        card = w.decode(frame, bits)
    except w.WiegandError as exc:
        assert exc.reason in {"bad_length", "parity"}
    else:
        assert w.encode(bits, card.facility, card.number) == frame


@given(st.binary(max_size=8), st.sampled_from([26, 34, 37]))
def test_decode_bytes_never_crashes(data: bytes, bits: int) -> None:
    try:
        w.decode_bytes(data, bits)
    except w.WiegandError as exc:
        assert exc.reason in {"bad_length", "parity"}


@pytest.mark.parametrize("text", ["", "012", "1" * 25, "x" * 26])
def test_bad_text(text: str) -> None:
    with pytest.raises(w.WiegandError):
        w.parse_text(text)
