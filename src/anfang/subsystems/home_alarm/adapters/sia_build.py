"""SIA DC-09 frames built: the receiver's ACK, NAK and DUH, and a panel's frames.

Pure functions with no I/O, the counterpart of :func:`.sia_dc09.parse` (the simulated
panels, the benchmark's load and the tests send what these build). See docs/sia-dc09.md.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from anfang.subsystems.home_alarm.adapters.sia_dc09 import (
    CID_DATA,
    ID_TOKENS,
    Rejection,
    SiaEvent,
    SiaMessage,
    cipher_for,
    crc16_arc,
)

_TS_FORMAT = "%H:%M:%S,%m-%d-%Y"
_PAD_ALPHABET = string.ascii_letters + string.digits
# Random bytes map onto pad characters through a table (a slight bias towards the first 8
# characters does not matter for filler): secrets.choice per character cost ~3 µs each.
_PAD_TABLE = (_PAD_ALPHABET * 5)[:256].encode("ascii")
_SIA_CODE = re.compile(r"[A-Z]{2}")
_DIGITS = re.compile(r"[0-9]*")

_last_ts: tuple[datetime, str] = (datetime.min.replace(tzinfo=UTC), "")


def format_timestamp(when: datetime) -> str:
    """The DC-09 timestamp text ``HH:MM:SS,MM-DD-YYYY`` of an aware datetime, in UTC."""
    global _last_ts
    if when.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    # Replies within one second carry the same text: strftime once a second, not per ACK.
    second = when.replace(microsecond=0)
    last = _last_ts
    if second == last[0]:
        return last[1]
    text = second.astimezone(UTC).strftime(_TS_FORMAT)
    _last_ts = (second, text)
    return text


def _encrypt(content: str, key: bytes) -> str:
    # The standard pads at the front with random characters up to the '|' so that the
    # plaintext fills whole AES blocks; the IV is all zeros.
    pad = os.urandom(-(len(content) + 1) % 16).translate(_PAD_TABLE)
    encryptor = cipher_for(key).encryptor()
    data = pad + b"|" + content.encode("ascii")
    return (encryptor.update(data) + encryptor.finalize()).hex().upper()


def _frame(body: str) -> bytes:
    raw = body.encode("ascii")
    if len(raw) > 0xFFF:
        raise ValueError("body longer than the 0LLL field can state")
    return b"\n%04X0%03X" % (crc16_arc(raw), len(raw)) + raw + b"\r"


def _route(receiver: str | None, line: str | None) -> str:
    return (f"R{receiver}" if receiver else "") + (f"L{line}" if line else "")


def build_ack(msg: SiaMessage, now: datetime) -> bytes:
    """The ACK frame for an accepted message; encrypted with its key if it was encrypted."""
    head = f"{_route(msg.receiver, msg.line)}#{msg.account}["
    if msg.encrypted and msg.key is not None:
        body = f'"*ACK"{msg.sequence:04d}{head}{_encrypt("]_" + format_timestamp(now), msg.key)}'
    else:
        body = f'"ACK"{msg.sequence:04d}{head}]'
    return _frame(body)


def build_nak(now: datetime) -> bytes:
    """The NAK frame, carrying the receiver's time so that the panel can correct its clock."""
    return _frame(f'"NAK"0000R0L0A0[]_{format_timestamp(now)}')


def build_duh(msg: SiaMessage | Rejection | None) -> bytes:
    """The DUH frame, echoing sequence, receiver, line and account when they are known."""
    if msg is None or msg.account is None or msg.sequence is None:
        return _frame('"DUH"0000R0L0A0[]')
    return _frame(f'"DUH"{msg.sequence:04d}{_route(msg.receiver, msg.line)}#{msg.account}[]')


def _sia_data(events: Sequence[SiaEvent]) -> str:
    parts: list[str] = []
    area: str | None = None
    for ev in events:
        ok = _DIGITS.fullmatch(ev.zone or "") and _DIGITS.fullmatch(ev.partition or "")
        if not ok or not _SIA_CODE.fullmatch(ev.code) or "^" in (ev.text or ""):
            raise ValueError(f"not a SIA event: {ev}")
        if ev.partition is None and area is not None:
            raise ValueError("a SIA area (ri) carries over: give later events a partition too")
        if ev.partition is not None and ev.partition != area:
            parts.append(f"ri{ev.partition}")
            area = ev.partition
        text = f"^{ev.text}^" if ev.text is not None else ""
        parts.append(f"{ev.code}{ev.zone or ''}{text}")
    return "N" + "/".join(parts)


def build_frame(
    account: str,
    events: Sequence[SiaEvent],
    *,
    sequence: int,
    receiver: str | None = None,
    line: str | None = None,
    key: bytes | None = None,
    timestamp: datetime | None,
    id_token: str = "SIA-DCS",
    extended: Mapping[str, str] | None = None,
) -> bytes:
    """A panel's frame (LF ... CR) as a real panel sends it; ValueError for bad input.

    SIA-DCS takes one or more events, ADM-CID exactly one (qualifier 1, 3 or 6, three-digit
    code, group and zone), NULL none. With ``key`` the frame is encrypted (``*`` token).
    """
    if id_token not in ID_TOKENS or not 0 <= sequence <= 9999:
        raise ValueError("bad ID token or sequence")
    if not re.fullmatch(r"[0-9A-Za-z]{1,16}", account):
        raise ValueError(f"bad account {account!r}")
    if id_token == "NULL":
        data = ""
    elif id_token == "ADM-CID":
        (ev,) = events
        data = f"{ev.qualifier}{ev.code} {ev.partition or '00'} {ev.zone or '000'}"
        if ev.qualifier not in (1, 3, 6) or not CID_DATA.fullmatch(data):
            raise ValueError(f"not a Contact ID event: {ev}")
    else:
        data = _sia_data(events)
    ext = "".join(f"[{k}{v}]" for k, v in (extended or {}).items())
    if any(len(k) != 1 or "]" in v or "[" in v for k, v in (extended or {}).items()):
        raise ValueError("extended blocks need a one-letter key and no brackets")
    ts = "" if timestamp is None else "_" + format_timestamp(timestamp)
    star = "*" if key is not None else ""
    head = f'"{star}{id_token}"{sequence:04d}{_route(receiver, line)}#{account}['
    if key is None:
        inner = f"#{account}|{data}" if id_token != "NULL" else ""
        return _frame(f"{head}{inner}]{ext}{ts}")
    return _frame(head + _encrypt(f"{data}]{ext}{ts}", key))
