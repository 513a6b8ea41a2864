"""National IDs: the 20-digit layout, the GA/T 1400 41- and 48-character IDs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.uplink import ids


@given(
    st.from_regex(r"[0-9]{8}", fullmatch=True),
    st.sampled_from(sorted(set(ids.TYPE_CODES.values()))),
    st.integers(0, 999_999),
)
def test_made_ids_have_the_standard_layout(centre: str, code: str, seq: int) -> None:
    nid = ids.make(centre, code, seq)
    assert ids.check(nid) == nid and len(nid) == 20
    assert nid[:8] == centre and nid[8:10] == "01" and ids.type_code(nid) == code
    assert nid[13] == "7" and int(nid[14:]) == seq
    assert ids.realm(nid) == nid[:10]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("3402000", "132", 1), "centre"),
        (("34020000", "13", 1), "type code"),
        (("34020000", "132", 1_000_000), "sequence"),
    ],
)
def test_malformed_parts_are_refused(args: tuple[str, str, int], message: str) -> None:
    with pytest.raises(ids.IdError, match=message):
        ids.make(*args)


@pytest.mark.parametrize(
    "bad", ["", "3402000000132000000", "340200000013200000001", "3402000000132000000x"]
)
def test_check_refuses_what_is_not_20_digits(bad: str) -> None:
    with pytest.raises(ids.IdError):
        ids.check(bad)


def test_record_ids_are_41_and_48_characters_in_beijing_time() -> None:
    at = datetime(2026, 12, 6, 2, 3, 4, tzinfo=UTC)
    source = ids.source_id("34020000001190000001", at, 123_456)
    assert len(source) == 41 and source[20:22] == "02"
    assert source[22:36] == "20261206100304"  # UTC+8
    assert source.endswith("23456")
    face = ids.record_id(source, "face", 7)
    assert len(face) == 48 and face.startswith(source) and face[41:43] == "06"
    assert ids.record_id(source, "vehicle", 7)[41:43] == "02"
    with pytest.raises(ids.IdError):
        ids.record_id(source[:-1], "face", 1)


def test_every_type_code_is_three_digits() -> None:
    assert all(len(c) == 3 and c.isdigit() for c in ids.TYPE_CODES.values())
    assert ids.type_for("camera") == "132" and ids.type_for("nothing") is None
