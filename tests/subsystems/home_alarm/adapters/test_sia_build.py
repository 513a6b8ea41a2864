"""SIA DC-09 frames built: ACK, NAK and DUH replies, and panels' frames (plain, encrypted,
Contact ID, NULL), each checked field by field and parsed back."""

from __future__ import annotations

from datetime import datetime

import pytest

from anfang.subsystems.home_alarm.adapters.sia_build import (
    build_ack,
    build_duh,
    build_frame,
    build_nak,
)
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent, SiaMessage, parse
from tests.subsystems.home_alarm.adapters.conftest import (
    KEY16,
    KEY24,
    KEY32,
    NOW,
    check_frame,
    decrypt_hex,
    keys,
    no_keys,
    sample_rows,
)


@pytest.mark.parametrize("key", [KEY16, KEY24, KEY32], ids=["aes128", "aes192", "aes256"])
def test_encrypted_round_trip_and_encrypted_ack(key: bytes) -> None:
    events = [SiaEvent("BA", zone="012", partition="1")]
    frame = build_frame(
        "78919", events, sequence=2, receiver="1", line="232", key=key, timestamp=NOW,
        extended={"X": "012W34.1"},
    )  # fmt: skip
    body = check_frame(frame)
    assert body.startswith('"*SIA-DCS"0002R1L232#78919[')
    assert "BA012" not in body
    inner = decrypt_hex(body.split("[", 1)[1], key)
    assert len(inner) % 16 == 0 and inner.endswith("|Nri1/BA012][X012W34.1]_14:12:04,09-25-2026")
    msg = parse(frame, key_for=keys({"78919": key}), now=NOW)
    assert isinstance(msg, SiaMessage)
    assert msg.encrypted and msg.events == tuple(events) and msg.extended == {"X": "012W34.1"}
    assert repr(key) not in repr(msg)
    ack = build_ack(msg, NOW)
    ack_body = check_frame(ack)
    assert ack_body.startswith('"*ACK"0002R1L232#78919[')
    assert decrypt_hex(ack_body.split("[", 1)[1], key).endswith("|]_14:12:04,09-25-2026")


def test_plain_ack_nak_duh() -> None:
    frame = next(r[1] for r in sample_rows() if "[X012W34.1]" in r[1])
    msg = parse(frame.encode(), key_for=no_keys, now=NOW)
    assert isinstance(msg, SiaMessage)
    assert check_frame(build_ack(msg, NOW)) == '"ACK"0002R1L232#78919[]'
    assert check_frame(build_nak(NOW)) == '"NAK"0000R0L0A0[]_14:12:04,09-25-2026'
    assert check_frame(build_duh(msg)) == '"DUH"0002R1L232#78919[]'
    assert check_frame(build_duh(None)) == '"DUH"0000R0L0A0[]'


def test_contact_id_and_null_frames() -> None:
    cid = build_frame(
        "9757", [SiaEvent("602", 1, "000", "00")], sequence=28, line="0", timestamp=NOW,
        id_token="ADM-CID",
    )  # fmt: skip
    assert check_frame(cid) == '"ADM-CID"0028L0#9757[#9757|1602 00 000]_14:12:04,09-25-2026'
    null = build_frame("0809", [], sequence=0, line="000", timestamp=NOW, id_token="NULL")
    assert check_frame(null) == '"NULL"0000L000#0809[]_14:12:04,09-25-2026'
    enc_null = build_frame("0809", [], sequence=0, key=KEY16, timestamp=NOW, id_token="NULL")
    msg = parse(enc_null, key_for=keys({"0809": KEY16}), now=NOW)
    assert isinstance(msg, SiaMessage) and msg.id_token == "NULL" and msg.events == ()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"id_token": "SIA-XYZ"},
        {"sequence": 10000},
        {"account": "12 34"},
        {"events": [SiaEvent("Ba", zone="1")]},
        {"events": [SiaEvent("BA", zone="1a")]},
        {"events": [SiaEvent("BA", partition="1"), SiaEvent("BR")]},
        {"events": [SiaEvent("130", 2)], "id_token": "ADM-CID"},
        {"events": [], "id_token": "ADM-CID"},
        {"extended": {"XY": "1"}},
        {"timestamp": datetime(2026, 1, 1)},  # noqa: DTZ001  (naive on purpose)
    ],
)
def test_build_frame_refuses_bad_input(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {
        "account": "1234",
        "events": [SiaEvent("BA", zone="1")],
        "sequence": 1,
        "timestamp": NOW,
    }
    args.update(kwargs)
    with pytest.raises(ValueError):
        build_frame(**args)  # type: ignore[arg-type]
