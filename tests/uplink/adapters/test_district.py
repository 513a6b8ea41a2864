"""The district wire format: subjects, messages read strictly, nothing else accepted."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.uplink.adapters import district as wire


def test_subjects_and_round_trip() -> None:
    assert wire.subject("ANFANG_DISTRICT", "C01", "events") == "anfang_district.C01.events"
    raw = wire.encode("C01", "alarms", 7, 1796500000.5, {"id": 3, "state": "new"})
    msg = wire.decode(raw)
    assert (msg.community, msg.topic, msg.seq, msg.ts, msg.data["id"]) == (
        "C01",
        "alarms",
        7,
        1796500000.5,
        3,
    )
    assert wire.msg_id("C01", 7) == "C01:7"


@pytest.mark.parametrize(("community", "topic"), [("a.b", "events"), ("", "events"), ("C", "x")])
def test_bad_subject_parts_are_refused(community: str, topic: str) -> None:
    with pytest.raises(wire.DistrictWireError):
        wire.subject("S", community, topic)


@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b"{",
        b'{"c":"A","t":"events","seq":1,"ts":1}',
        b'{"c":"A.B","t":"events","seq":1,"ts":1,"d":{}}',
    ],
)
def test_malformed_messages_are_refused(raw: bytes) -> None:
    with pytest.raises(wire.DistrictWireError):
        wire.decode(raw)


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_are_refused(raw: bytes) -> None:
    with contextlib.suppress(wire.DistrictWireError):
        wire.decode(raw)


def test_events_leave_their_payload_behind() -> None:
    ev = {
        "id": "1",
        "kind": "access.granted",
        "source": "D",
        "severity": 1,
        "occurred_at": "t",
        "payload": {"person": "张三"},
    }
    assert "payload" not in wire.event_data(ev)
