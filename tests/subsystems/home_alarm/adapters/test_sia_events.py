"""SIA messages as anfang events: payload, kinds, idempotency keys a retransmission shares."""

from __future__ import annotations

from anfang.store.base import utcnow
from anfang.subsystems.home_alarm.adapters.sia_build import build_frame
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent, SiaMessage, parse
from anfang.subsystems.home_alarm.adapters.sia_events import event_specs


def test_specs_carry_the_kind_payload_and_key() -> None:
    frame = build_frame(
        "1234", [SiaEvent("BA", zone="3", partition="1")], sequence=42, timestamp=None
    )
    msg = parse(frame, key_for=lambda a: None, now=utcnow())
    assert isinstance(msg, SiaMessage)
    ((kind, _, payload, key),) = event_specs(msg, "perimeter", "udp")
    assert (
        kind == "perimeter.intrusion" and payload["zone"] == "3" and payload["transport"] == "udp"
    )
    assert key.startswith("sia:1234:0042:")


def test_same_content_and_sequence_later_is_a_new_event() -> None:
    """Sequence numbers wrap: a repeat outside the de-duplication window is stored."""
    from datetime import timedelta
    from unittest import mock

    from anfang.store.base import utcnow
    from anfang.subsystems.home_alarm.adapters import sia_events as rx
    from anfang.subsystems.home_alarm.adapters.sia_build import build_frame
    from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent, SiaMessage, parse
    from anfang.subsystems.home_alarm.service import AccountInfo

    frame = build_frame("1234", [SiaEvent(code="RP", zone="0")], sequence=7, timestamp=None)
    msg = parse(frame, key_for=lambda a: None, now=utcnow())
    assert isinstance(msg, SiaMessage)
    account = AccountInfo(account="1234", kind="home", key=None, device_code=None)
    first = rx.events_for(msg, account, "tcp")[0].idempotency_key
    again = rx.events_for(msg, account, "tcp")[0].idempotency_key
    later_time = utcnow() + timedelta(days=1)
    with mock.patch.object(rx, "utcnow", return_value=later_time):
        later = rx.events_for(msg, account, "tcp")[0].idempotency_key
    assert first == again and later != first
