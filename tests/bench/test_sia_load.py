"""The benchmark's panels send real, distinct, valid DC-09 frames (plain and AES-128)."""

from __future__ import annotations

import pytest
from bench.sia_load import LoadSpec, PanelTally, _Clock, _Panel

from anfang.store.base import utcnow
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaMessage, parse

KEY = b"0123456789ABCDEF"


@pytest.mark.parametrize("key", [None, KEY])
async def test_frames_are_valid_and_distinct(key: bytes | None) -> None:
    clock = _Clock()
    panel = _Panel(LoadSpec(1, ["1A2B"], key, 1.0, 0.0), "1A2B", PanelTally(), clock)
    frames = [panel._frame() for _ in range(3)]
    msgs = [parse(f, key_for=lambda a: key, now=utcnow()) for f in frames]
    assert all(isinstance(m, SiaMessage) for m in msgs)
    ok = [m for m in msgs if isinstance(m, SiaMessage)]
    assert [m.sequence for m in ok] == [1, 2, 3]
    assert all(m.account == "1A2B" and m.encrypted == (key is not None) for m in ok)
    assert all(not m.length_mismatch and m.timestamp is not None for m in ok)
    assert [(e.code, e.zone, e.partition) for e in ok[0].events] == [("BA", "1", "1")]
    assert panel.expect == b'ACK"0003'


async def test_sequence_wraps_after_9999() -> None:
    # async: a panel makes its completion future on the running loop
    panel = _Panel(LoadSpec(1, ["1A2B"], None, 1.0, 0.0), "1A2B", PanelTally(), _Clock())
    panel.seq = 9999
    msg = parse(panel._frame(), key_for=lambda a: None, now=utcnow())
    assert isinstance(msg, SiaMessage) and msg.sequence == 1
