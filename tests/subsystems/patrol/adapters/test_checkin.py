"""The check-in payload core: tags normalised per kind, every payload read or refused with a
reason, swipe times from the future or far past refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.patrol.adapters.checkin import (
    CheckIn,
    Refused,
    TagError,
    check_time,
    normalise_tag,
    read_checkin,
)

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "raw", "norm"),
    [
        ("rfid", "04:a2:1b:7c", "04A21B7C"),
        ("nfc", "04-A2-1B-7C-11-22-33", "04A21B7C112233"),
        ("rfid", " e2 00 00 01 ", "E2000001"),
        ("qr", "  anfang://cp/CP-01 ", "anfang://cp/CP-01"),
        ("ble", "aa:bb:cc:dd:ee:ff", "AABBCCDDEEFF"),
        (
            "ble",
            "FDA50693-A4E2-4FB1-AFCF-C6EB07647825/10/7",
            "fda50693-a4e2-4fb1-afcf-c6eb07647825/10/7",
        ),
    ],
)
def test_tags_are_normalised(kind: str, raw: str, norm: str) -> None:
    assert normalise_tag(kind, raw) == norm


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("rfid", "XYZ"),
        ("rfid", "12"),
        ("rfid", "0" * 33),
        ("qr", "\x00bad"),
        ("qr", "x" * 129),
        ("ble", "aa:bb:cc"),
        ("ble", "fda50693-a4e2-4fb1-afcf-c6eb07647825/70000/1"),
        ("barcode", "123"),
    ],
)
def test_bad_tags_are_refused(kind: str, raw: str) -> None:
    with pytest.raises(TagError):
        normalise_tag(kind, raw)


def test_payloads_are_read_or_refused_with_a_reason() -> None:
    assert read_checkin({"tag": "04a21b7c", "guard": " G01 "}) == CheckIn("rfid", "04A21B7C", "G01")
    assert read_checkin({"tag": "x", "tag_kind": "qr"}) == CheckIn("qr", "x", None)
    for payload, why in [
        ([], "payload must be an object"),
        ({}, "tag is required"),
        ({"tag": 5}, "tag is required"),
        ({"tag": "04a2", "tag_kind": "barcode"}, "tag_kind must be"),
        ({"tag": "zz"}, "hex digits"),
        ({"tag": "04a2", "guard": ""}, "guard must be"),
        ({"tag": "04a2", "guard": 7}, "guard must be"),
    ]:
        out = read_checkin(payload)
        assert isinstance(out, Refused) and out.verdict == "malformed", payload
        assert why in out.reason


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=12,
)


@given(JSON)
def test_any_payload_is_read_or_refused(payload: Any) -> None:
    assert isinstance(read_checkin(payload), CheckIn | Refused)


@given(st.dictionaries(st.sampled_from(["tag", "tag_kind", "guard", "x"]), st.text(max_size=70)))
def test_any_string_payload_is_read_or_refused(payload: dict[str, str]) -> None:
    out = read_checkin(payload)
    if isinstance(out, CheckIn):
        assert normalise_tag(out.tag_kind, out.tag) == out.tag  # canonical is a fixed point


def test_swipe_times_from_the_future_or_far_past_are_refused() -> None:
    assert check_time(NOW + timedelta(minutes=4), NOW) is None
    assert check_time(NOW - timedelta(days=30), NOW) is None
    ahead = check_time(NOW + timedelta(hours=2), NOW)
    assert ahead is not None and ahead.verdict == "future" and "120 min ahead" in ahead.reason
    old = check_time(NOW - timedelta(days=40), NOW)
    assert old is not None and old.verdict == "too_old"
