"""SIA DC-09 framing, parsing, decryption and rejections, fuzzed; built frames parse back."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anfang.subsystems.home_alarm.adapters import sia_dc09
from anfang.subsystems.home_alarm.adapters.sia_build import (
    build_duh,
    build_frame,
)
from anfang.subsystems.home_alarm.adapters.sia_dc09 import (
    MAX_FRAME,
    Reason,
    Rejection,
    Reply,
    SiaEvent,
    SiaMessage,
    crc16_arc,
    key_from_hex,
    parse,
)
from tests.subsystems.home_alarm.adapters.conftest import (
    KEY16,
    KEY32,
    NOW,
    check_frame,
    frame_time,
    keys,
    no_keys,
    sample_rows,
)


def reframe(body: str) -> bytes:
    raw = body.encode("latin-1")
    return b"%04X0%03X" % (crc16_arc(raw), len(raw)) + raw


def test_crc16_arc_check_value() -> None:
    assert crc16_arc(b"123456789") == 0xBB3D


@pytest.mark.parametrize("row", sample_rows(), ids=lambda r: r[1][:24])
def test_real_sample_frames(row: list[str]) -> None:
    key, frame, crc, length, protocol, account, code, zone, partition = row[:9]
    assert key == ""  # the shared samples are all plain frames
    for wrapped in (frame.encode(), b"\n" + frame.encode() + b"\r"):
        result = parse(wrapped, key_for=no_keys, now=frame_time(frame))
        if crc == "bad":
            assert isinstance(result, Rejection)
            assert (result.reply, result.reason) == (Reply.NAK, Reason.BAD_CRC)
            continue
        assert isinstance(result, SiaMessage), result
        assert result.raw == wrapped
        assert result.id_token == protocol
        assert result.account == account
        assert result.encrypted is False
        assert result.length_mismatch is (length == "bad")
        assert result.timestamp == frame_time(frame)
        if protocol == "NULL":
            assert result.events == ()
            continue
        event = result.events[0]
        assert event.code == code
        assert event.zone == (zone or None)
        assert event.partition == (partition or None)
        assert event.qualifier == (1 if protocol == "ADM-CID" else None)


def test_sample_fields_in_detail() -> None:
    frame = next(r[1] for r in sample_rows() if "[X012W34.1]" in r[1])
    msg = parse(frame.encode(), key_for=no_keys, now=NOW)
    assert isinstance(msg, SiaMessage)
    assert (msg.sequence, msg.receiver, msg.line) == (2, "1", "232")
    assert msg.extended == {"X": "012W34.1", "Y": "045N12.2"}
    assert msg.events == (SiaEvent("BA", None, "012", "1"),)
    mac = next(r[1] for r in sample_rows() if "[M0026B9E4268B]" in r[1])
    msg = parse(mac.encode(), key_for=no_keys, now=frame_time(mac))
    assert isinstance(msg, SiaMessage) and msg.extended == {"M": "0026B9E4268B"}


def test_several_events_and_modifiers() -> None:
    body = '"SIA-DCS"0007L0#1234[#1234|Nri1/BA012/BA013^Back door^/ri2id7/OP]'
    msg = parse(reframe(body), key_for=no_keys, now=NOW)
    assert isinstance(msg, SiaMessage)
    assert msg.timestamp is None
    assert msg.events == (
        SiaEvent("BA", None, "012", "1"),
        SiaEvent("BA", None, "013", "1", "Back door"),
        SiaEvent("OP", None, None, "2", None, {"id": "7"}),
    )


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(timedelta(0), True), (timedelta(seconds=40), True), (timedelta(seconds=-20), True),
     (timedelta(seconds=41), False), (timedelta(seconds=-21), False), (timedelta(days=1), False)],
)  # fmt: skip
def test_timestamp_window(offset: timedelta, accepted: bool) -> None:
    frame = build_frame("1234", [SiaEvent("BA", zone="1")], sequence=1, timestamp=NOW)
    result = parse(frame, key_for=no_keys, now=NOW + offset)
    if accepted:
        assert isinstance(result, SiaMessage)
    else:
        assert isinstance(result, Rejection)
        assert (result.reply, result.reason) == (Reply.NAK, Reason.TIMESTAMP_WINDOW)


@pytest.mark.parametrize(
    ("body", "reply", "reason"),
    [
        ('"SIA-XYZ"0001L0#1234[#1234|NBA1]', Reply.DUH, Reason.UNSUPPORTED),
        ('"ACK"0001L0#1234[]', Reply.DUH, Reason.UNSUPPORTED),
        ('"SIA-DCS"01L0#1234[#1234|NBA1]', Reply.DUH, Reason.BAD_FORMAT),
        ('"SIA-DCS"0001L0#1234[#1234|N]', Reply.DUH, Reason.BAD_FORMAT),
        ('"SIA-DCS"0001L0#1234[#1234|Nba]', Reply.DUH, Reason.BAD_FORMAT),
        ('"ADM-CID"0001L0#1234[#1234|2130 01 001]', Reply.DUH, Reason.BAD_FORMAT),
        ('"SIA-DCS"0001L0#1234[#1234|NBA1]_25:00:00,01-01-2026', Reply.DUH, Reason.BAD_FORMAT),
        ('"SIA-DCS"0001L0#1234[#1234|NBA1]_\xe9', Reply.DUH, Reason.BAD_FORMAT),
    ],
)
def test_rejections_after_a_good_crc(body: str, reply: Reply, reason: Reason) -> None:
    result = parse(reframe(body), key_for=no_keys, now=NOW)
    assert isinstance(result, Rejection)
    assert (result.reply, result.reason) == (reply, reason), result.message


def test_malformed_length_field_and_missing_crc() -> None:
    good = build_frame("1234", [SiaEvent("BA", zone="1")], sequence=1, timestamp=None)
    bad_len = good[:5] + b"Z" + good[6:]
    result = parse(bad_len, key_for=no_keys, now=NOW)
    assert isinstance(result, Rejection) and result.reason is Reason.BAD_LENGTH
    for junk in (b"", b"\n\r", b"XYZ", b"GGGG0010abc"):
        result = parse(junk, key_for=no_keys, now=NOW)
        assert isinstance(result, Rejection) and result.reply is Reply.NAK


def test_too_large() -> None:
    body = '"SIA-DCS"0001L0#1234[#1234|NBA1^' + "x" * MAX_FRAME + "^]"
    result = parse(reframe(body), key_for=no_keys, now=NOW)
    assert isinstance(result, Rejection)
    assert (result.reply, result.reason) == (Reply.DUH, Reason.TOO_LARGE)


def test_encrypted_rejections() -> None:
    frame = build_frame("1234", [SiaEvent("FA", zone="3")], sequence=9, key=KEY16, timestamp=NOW)
    unknown = parse(frame, key_for=no_keys, now=NOW)
    assert isinstance(unknown, Rejection)
    assert (unknown.reply, unknown.reason) == (Reply.DUH, Reason.UNKNOWN_ACCOUNT)
    assert (unknown.account, unknown.sequence) == ("1234", 9)
    assert build_duh(unknown) == b"\n" + reframe('"DUH"0009#1234[]') + b"\r"
    for wrong in (KEY32, bytes(16), b"short"):
        result = parse(frame, key_for=keys({"1234": wrong}), now=NOW)
        assert isinstance(result, Rejection)
        assert (result.reply, result.reason) == (Reply.DUH, Reason.CANNOT_DECRYPT)
    no_ts = build_frame("1234", [SiaEvent("FA")], sequence=9, key=KEY16, timestamp=None)
    result = parse(no_ts, key_for=keys({"1234": KEY16}), now=NOW)
    assert isinstance(result, Rejection) and result.reason is Reason.TIMESTAMP_WINDOW
    lenient = parse(
        no_ts, key_for=keys({"1234": KEY16}), now=NOW, require_timestamp_for_encrypted=False
    )
    assert isinstance(lenient, SiaMessage) and lenient.timestamp is None


def test_key_from_hex() -> None:
    assert key_from_hex("00" * 16) == bytes(16)
    with pytest.raises(ValueError):
        key_from_hex("00" * 15)


# Property tests. They call the internal _parse, which has no catch-all guard, so a crash
# anywhere in the parser fails them instead of being turned into a Rejection by parse().


def strict(
    frame: bytes, key_for: Callable[[str], bytes | None] = no_keys, now: datetime = NOW
) -> object:
    try:
        return sia_dc09._parse(frame, key_for, now, True)
    except sia_dc09._Reject as rej:
        return rej.reason


GOOD_SAMPLES = [row[1].encode() for row in sample_rows() if row[2] == "ok"]
SAMPLE_FRAMES = [row[1].encode() for row in sample_rows()]
ENCRYPTED = build_frame(
    "1234", [SiaEvent("BA", zone="1", partition="2")], sequence=5, key=KEY16, timestamp=NOW
)[1:-1]
SEEDS = [*SAMPLE_FRAMES, ENCRYPTED]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(strict(data), Reason | SiaMessage)
    assert isinstance(parse(data, key_for=no_keys, now=NOW), Rejection | SiaMessage)


PREFIXES = [
    '"SIA-DCS"0001L0#1234[',
    '"ADM-CID"0001R1L0#1234[',
    '"NULL"0001#1234[',
    '"*SIA-DCS"0001L0#1234[',
]
TAIL_ALPHABET = "0123456789ABCDEFNRLX#[]|/^_:,.- aribdti\x7f\xe9"


@FUZZ
@given(st.sampled_from(PREFIXES), st.text(TAIL_ALPHABET, max_size=80))
def test_valid_crc_random_content_never_raises(prefix: str, tail: str) -> None:
    # A right CRC takes random content past the checksum into every later stage.
    result = strict(reframe(prefix + tail), keys({"1234": KEY16}))
    assert isinstance(result, Reason | SiaMessage)
    assert result is not Reason.BAD_CRC


@FUZZ
@given(st.binary(min_size=16, max_size=64).map(lambda b: b.hex()[: len(b) // 16 * 32]))
def test_random_ciphertext_cannot_be_decrypted(hex_text: str) -> None:
    result = strict(reframe('"*SIA-DCS"0001L0#1234[' + hex_text), keys({"1234": KEY16}))
    assert result in (Reason.CANNOT_DECRYPT, Reason.TIMESTAMP_WINDOW, Reason.BAD_FORMAT)


@FUZZ
@given(st.sampled_from([*GOOD_SAMPLES, ENCRYPTED]), st.data())
def test_truncated_frames_are_rejected(frame: bytes, data: st.DataObject) -> None:
    # Only frames with a right CRC: the bad-CRC ADM-CID sample's CRC happens to cover its
    # body without the timestamp, so cutting the timestamp off makes it a valid frame.
    cut = data.draw(st.integers(0, len(frame) - 1))
    result = strict(frame[:cut], keys({"1234": KEY16}))
    assert isinstance(result, Reason)


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_flipped_bytes_never_raise(frame: bytes, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(frame) - 1))
    flip = data.draw(st.integers(1, 255))
    damaged = frame[:at] + bytes([frame[at] ^ flip]) + frame[at + 1 :]
    result = strict(damaged, keys({"1234": KEY16}), frame_time(frame.decode()))
    if frame not in GOOD_SAMPLES and frame is not ENCRYPTED:
        assert isinstance(result, Reason | SiaMessage)
    elif 4 <= at < 8:
        # The length field is outside the CRC: a miscount is accepted and flagged.
        assert result is Reason.BAD_LENGTH or getattr(result, "length_mismatch", False)
    else:
        # CRC-16 detects every single-byte error in the body and a changed CRC field.
        assert result is Reason.BAD_CRC


@FUZZ
@given(st.binary(min_size=MAX_FRAME + 1, max_size=MAX_FRAME * 2))
def test_huge_frames_are_too_large(data: bytes) -> None:
    assert strict(data) is Reason.TOO_LARGE


@FUZZ
@given(st.binary(min_size=0, max_size=40))
def test_wrong_keys_only_reject(key: bytes) -> None:
    result = strict(ENCRYPTED, keys({"1234": key}))
    if key == KEY16:
        assert isinstance(result, SiaMessage)
    else:
        assert result is Reason.CANNOT_DECRYPT


ACCOUNTS = st.text("0123456789ABCDEF", min_size=3, max_size=16)
HEXID = st.none() | st.text("0123456789ABCDEF", min_size=1, max_size=6)
DIGITS = st.text("0123456789", min_size=1, max_size=4)
TEXT = st.none() | st.text(
    st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="^[]"), max_size=20
)
SIA_EVENTS = st.lists(
    st.builds(
        SiaEvent,
        code=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
        zone=st.none() | DIGITS,
        partition=st.none() | DIGITS,
        text=TEXT,
    ),
    min_size=1,
    max_size=4,
)
CID_EVENTS = st.builds(
    lambda q, code, group, zone: [SiaEvent(code, q, zone, group)],
    st.sampled_from([1, 3, 6]),
    st.text("0123456789", min_size=3, max_size=3),
    st.text("0123456789ABCDEF", min_size=2, max_size=2),
    st.text("0123456789ABCDEF", min_size=3, max_size=3),
)
KEYS = st.none() | st.sampled_from([16, 24, 32]).flatmap(
    lambda n: st.binary(min_size=n, max_size=n)
)
EXTENDED = st.dictionaries(
    st.sampled_from("XYMKHVI"), st.text("0123456789ABCDEFNSWE.", max_size=12), max_size=3
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["SIA-DCS", "ADM-CID", "NULL"]),
    SIA_EVENTS,
    CID_EVENTS,
    ACCOUNTS,
    st.integers(0, 9999),
    HEXID,
    HEXID,
    KEYS,
    EXTENDED,
    st.integers(-40, 20),
)
def test_sender_round_trip(
    token: str,
    sia_events: list[SiaEvent],
    cid_events: list[SiaEvent],
    account: str,
    sequence: int,
    receiver: str | None,
    line: str | None,
    key: bytes | None,
    extended: dict[str, str],
    skew: int,
) -> None:
    area = None
    for i, ev in enumerate(sia_events):
        # An SIA area modifier carries over to later events; build_frame refuses to drop it.
        area = ev.partition or area
        sia_events[i] = dataclasses.replace(ev, partition=area)
    events = {"SIA-DCS": sia_events, "ADM-CID": cid_events, "NULL": []}[token]
    when = NOW + timedelta(seconds=skew)
    frame = build_frame(
        account, events, sequence=sequence, receiver=receiver, line=line, key=key,
        timestamp=when, id_token=token, extended=extended,
    )  # fmt: skip
    check_frame(frame)
    msg = strict(frame, keys({account: key} if key else {}))
    assert isinstance(msg, SiaMessage)
    assert (msg.id_token, msg.encrypted, msg.account) == (token, key is not None, account)
    assert (msg.sequence, msg.receiver, msg.line) == (sequence, receiver, line)
    assert msg.events == tuple(events)
    assert msg.extended == {k: v for k, v in extended.items()}
    assert msg.timestamp == when
    assert not msg.length_mismatch
