"""Chinese plates: every form read with its kind and colour, writing forgiven where it
cannot change the plate, anything else refused with a reason; fuzzy distance."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.parking.adapters.plates import (
    PlateError,
    clean,
    colour_of,
    distance,
    near,
    parse,
)


@pytest.mark.parametrize(
    ("raw", "text", "kind", "colour"),
    [
        ("苏E12345", "苏E12345", "ordinary", "blue"),
        ("京a·8888z", "京A8888Z", "ordinary", "blue"),
        ("沪ＡＢ１２３４", "沪AB1234", "ordinary", "blue"),  # full-width
        ("粤BD12345", "粤BD12345", "new_energy", "green"),
        ("粤B12345F", "粤B12345F", "new_energy", "yellow_green"),
        ("浙AK12345", "浙AK12345", "new_energy", "green"),
        ("京A1234警", "京A1234警", "police", "white"),
        ("苏E1234挂", "苏E1234挂", "trailer", "yellow"),
        ("沪A1234学", "沪A1234学", "learner", "yellow"),
        ("沪A1234领", "沪A1234领", "consulate", "black"),
        ("粤Z1234港", "粤Z1234港", "hk", "black"),
        ("粤Z1234澳", "粤Z1234澳", "macau", "black"),
        ("224001使", "224001使", "embassy", "black"),
        ("使014578", "使014578", "embassy", "black"),
        ("VA12345", "VA12345", "army", "white"),
        ("WJ京12345", "WJ京12345", "armed_police", "white"),
        ("京AO1I23", "京A01123", "ordinary", "blue"),  # O and I never issued in the serial
    ],
)
def test_forms(raw: str, text: str, kind: str, colour: str) -> None:
    plate = parse(raw)
    assert (plate.text, plate.kind, plate.colour) == (text, kind, colour)


def test_colour_and_confidence() -> None:
    assert parse("苏E12345", "黄").colour == "yellow"
    assert parse("苏E12345", "yellow色").colour == "yellow"
    assert parse("苏E12345", confidence=95).confidence == 0.95
    assert parse("苏E12345", confidence=0.9).confidence == 0.9
    assert colour_of(None) is None
    for bad in (
        {"colour": "purple"},
        {"confidence": 150},
        {"confidence": "x"},
        {"confidence": True},
    ):
        with pytest.raises(PlateError):
            parse("苏E12345", **bad)


@pytest.mark.parametrize(
    ("raw", "reason", "says"),
    [
        ("", "empty", "empty"),
        (None, "empty", "empty"),
        ("苏E1234", "malformed", "6 characters"),
        ("X12345", "malformed", "not a plate"),
        ("哈A12345", "malformed", "province"),
        ("苏E123456789", "malformed", "characters"),
        ("x" * 40, "too_long", "longer"),
        ("苏E1234X警", "malformed", "not a plate"),
    ],
)
def test_refused_with_a_reason(raw: object, reason: str, says: str) -> None:
    with pytest.raises(PlateError) as err:
        parse(raw)
    assert err.value.reason == reason and says in str(err.value)


@given(
    st.text(max_size=40),
    st.one_of(st.none(), st.text(max_size=8)),
    st.one_of(st.none(), st.floats()),
)
def test_anything_is_read_or_refused(raw: str, colour: str | None, conf: float | None) -> None:
    try:
        plate = parse(raw, colour, conf)
    except PlateError:
        return
    assert parse(plate.text).text == plate.text  # canonical is a fixed point
    assert clean(plate.text) == plate.text


def test_fuzzy_distance() -> None:
    assert distance("苏E12345", "苏E12345") == 0
    assert distance("苏E12345", "苏E12845") == 1
    assert distance("苏E12345", "苏ED12345") == 1
    assert distance("苏E12345", "苏E1234") == 1
    assert distance("苏E12345", "苏E99945") == 3
    assert near("苏E12845", ["苏E12345", "苏E12845", "沪A99999", "苏E12846"]) == [
        "苏E12345",
        "苏E12846",
    ]


@given(st.text(max_size=9), st.text(max_size=9))
def test_distance_is_symmetric_and_bounded(a: str, b: str) -> None:
    assert distance(a, b) == distance(b, a)
    assert (distance(a, b) == 0) == (a == b)
