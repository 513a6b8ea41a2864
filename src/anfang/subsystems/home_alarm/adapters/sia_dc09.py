"""SIA DC-09 protocol core: frames in, typed messages out.

Pure functions with no I/O, so a TCP/UDP receiver, a simulated panel and the tests all share
one implementation. :func:`parse` never raises: every input gives a :class:`SiaMessage` or a
:class:`Rejection` that says which reply (NAK or DUH) the panel must get; :mod:`.sia_build`
builds those replies and panels' frames. See docs/sia-dc09.md.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastcrc import crc16

MAX_FRAME = 2048
WINDOW_AHEAD = timedelta(seconds=20)
WINDOW_BEHIND = timedelta(seconds=40)
ID_TOKENS = ("SIA-DCS", "ADM-CID", "NULL")

_HEADER = re.compile(
    r'"(?P<star>\*?)(?P<token>[A-Z0-9-]{1,16})"(?P<seq>\d{4})'
    r"(?:R(?P<rcvr>[0-9A-Fa-f]{1,6}))?(?:L(?P<line>[0-9A-Fa-f]{1,6}))?"
    r"#(?P<acct>[0-9A-Za-z]{1,16})\["
)
_TAIL = re.compile(
    r"(?P<data>[^\]]*)\](?P<ext>(?:\[[^\[\]]*\])*)"
    r"(?:_(?P<ts>\d\d:\d\d:\d\d,\d\d-\d\d-\d{4}))?"
)
_EXT = re.compile(r"\[([^\[\]]*)\]")
_SIA_TOKEN = re.compile(
    r"/?(?:(?P<mod>[a-z]{2})(?P<mval>[^/A-Za-z^]*)"
    r"|(?P<code>[A-Z]{2})(?P<addr>[0-9]*)(?:\^(?P<text>[^^]*)\^)?)"
)
CID_DATA = re.compile(
    r"(?P<q>[136ER])(?P<event>\d{3}) ?(?P<group>[0-9A-Fa-f]{2}) ?(?P<zone>[0-9A-Fa-f]{3})"
)
_HEX = re.compile(r"[0-9A-Fa-f]*")


class Reason(StrEnum):
    """Why a frame was rejected."""

    BAD_CRC = "bad_crc"
    BAD_LENGTH = "bad_length"
    BAD_FORMAT = "bad_format"
    TIMESTAMP_WINDOW = "timestamp_window"
    UNKNOWN_ACCOUNT = "unknown_account"
    CANNOT_DECRYPT = "cannot_decrypt"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"


class Reply(StrEnum):
    """The negative reply a rejection calls for: NAK (send again) or DUH (do not)."""

    NAK = "NAK"
    DUH = "DUH"


# NAK asks the panel to retransmit: for damage in transit and clock skew. Everything else
# is something a retransmission cannot fix, so it gets DUH.
_REPLY_FOR = {Reason.BAD_CRC: Reply.NAK, Reason.TIMESTAMP_WINDOW: Reply.NAK}


@dataclass(frozen=True, slots=True)
class SiaEvent:
    """One event: a SIA DC-03 code (``qualifier`` None) or a Contact ID event (1, 3 or 6).

    ``zone`` is the zone or user number as sent (the code says which); ``partition`` is the
    SIA ``ri`` area or the Contact ID group; ``modifiers`` holds other SIA modifiers (``id``,
    ``ti``, ...) in force for this event.
    """

    code: str
    qualifier: int | None = None
    zone: str | None = None
    partition: str | None = None
    text: str | None = None
    modifiers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SiaMessage:
    """A frame that passed every check, with its content typed.

    ``length_mismatch`` is True when the 0LLL field disagreed with the body although the CRC
    was right (accepted: see docs/sia-dc09.md). ``key`` is the AES key the message was
    decrypted with, kept out of repr so that :func:`build_ack` can encrypt the reply.
    """

    id_token: str
    encrypted: bool
    sequence: int
    receiver: str | None
    line: str | None
    account: str
    events: tuple[SiaEvent, ...]
    extended: Mapping[str, str]
    timestamp: datetime | None
    raw: bytes
    length_mismatch: bool = False
    key: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A frame that must be refused: the reply to send, why, and header fields if known."""

    reply: Reply
    reason: Reason
    message: str
    sequence: int | None = None
    receiver: str | None = None
    line: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class _Head:
    sequence: int | None = None
    receiver: str | None = None
    line: str | None = None
    account: str | None = None


class _Reject(Exception):
    def __init__(self, reason: Reason, message: str, header: _Head | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.header = header or _Head()


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC (poly 0xA001 reflected, init 0), the DC-09 frame checksum."""
    # In C (fastcrc): a table-driven loop in Python still cost ~6 µs a 60-byte frame, and
    # every frame needs two (the frame's and its ACK's). The standard library's
    # binascii.crc_hqx is CRC-CCITT, a different polynomial.
    return crc16.arc(data)


def key_from_hex(text: str) -> bytes:
    """An AES key from its hex form (32, 48 or 64 hex digits); ValueError otherwise."""
    key = bytes.fromhex(text.strip())
    if len(key) not in (16, 24, 32):
        raise ValueError("an AES key is 16, 24 or 32 bytes")
    return key


def parse(
    frame: bytes,
    *,
    key_for: Callable[[str], bytes | None],
    now: datetime,
    require_timestamp_for_encrypted: bool = True,
) -> SiaMessage | Rejection:
    """Parse one frame (the leading LF and trailing CR are optional); never raises.

    ``key_for(account)`` gives the raw AES key of an account, or None when it has none; it
    is only asked for encrypted frames. ``now`` (aware) anchors the timestamp window.
    """
    try:
        return _parse(frame, key_for, now, require_timestamp_for_encrypted)
    except _Reject as rej:
        h = rej.header
        return Rejection(
            _REPLY_FOR.get(rej.reason, Reply.DUH),
            rej.reason,
            rej.message,
            sequence=h.sequence,
            receiver=h.receiver,
            line=h.line,
            account=h.account,
        )
    except Exception as exc:  # a guard for the promise above; the fuzz tests keep it unused
        return Rejection(Reply.DUH, Reason.BAD_FORMAT, f"unparseable frame ({type(exc).__name__})")


def _parse(
    frame: bytes, key_for: Callable[[str], bytes | None], now: datetime, require_ts: bool
) -> SiaMessage:
    if len(frame) > MAX_FRAME:
        raise _Reject(Reason.TOO_LARGE, f"frame of {len(frame)} bytes exceeds {MAX_FRAME}")
    raw = frame
    if frame.startswith(b"\n"):
        frame = frame[1:]
    if frame.endswith(b"\r"):
        frame = frame[:-1]
    head = frame[:8].decode("latin-1")
    if len(frame) < 9 or not _HEX.fullmatch(head[:4]):
        raise _Reject(Reason.BAD_CRC, "no CRC field")
    body = frame[8:]
    if int(head[:4], 16) != crc16_arc(body):
        raise _Reject(Reason.BAD_CRC, f"CRC {head[:4]} does not match {crc16_arc(body):04X}")
    if head[4] != "0" or not _HEX.fullmatch(head[5:8]):
        raise _Reject(Reason.BAD_LENGTH, f"malformed length field {head[4:8]!r}")
    # Real panels miscount the length (see samples.tsv); the CRC already proved the content
    # intact, so a disagreeing length is accepted and flagged rather than refused.
    length_mismatch = int(head[5:8], 16) != len(body)
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise _Reject(Reason.BAD_FORMAT, "non-ASCII characters in the body") from None
    m = _HEADER.match(text)
    if m is None:
        quoted = re.match(r'"\*?([^"]{0,16})"', text)
        if quoted and quoted.group(1) not in ID_TOKENS:
            raise _Reject(Reason.UNSUPPORTED, f"unsupported ID token {quoted.group(1)!r}")
        raise _Reject(Reason.BAD_FORMAT, "malformed message header")
    header = _Head(int(m["seq"]), m["rcvr"], m["line"], m["acct"])
    token, encrypted, account = m["token"], m["star"] == "*", m["acct"]
    if token not in ID_TOKENS:
        raise _Reject(Reason.UNSUPPORTED, f"unsupported ID token {token!r}", header)
    rest = text[m.end() :]
    key = None
    if encrypted:
        key = key_for(account)
        if key is None:
            raise _Reject(Reason.UNKNOWN_ACCOUNT, f"no key for account {account}", header)
        rest = _decrypt(rest, key, header)
    elif "|" in rest.split("]", 1)[0]:
        rest = rest.split("|", 1)[1]  # drop the optional "#acct|" inside the data block
    tail = _TAIL.fullmatch(rest)
    if tail is None:
        reason = Reason.CANNOT_DECRYPT if encrypted else Reason.BAD_FORMAT
        raise _Reject(reason, "malformed data, extended data or timestamp", header)
    timestamp = _check_time(tail["ts"], now, encrypted and require_ts, header)
    extended = {b[0]: b[1:] for b in _EXT.findall(tail["ext"]) if b}
    events = _events(token, tail["data"], header)
    return SiaMessage(
        token, encrypted, int(m["seq"]), m["rcvr"], m["line"], account, events, extended,
        timestamp, raw, length_mismatch, key,
    )  # fmt: skip


def _decrypt(rest: str, key: bytes, header: _Head) -> str:
    if len(key) not in (16, 24, 32):
        raise _Reject(Reason.CANNOT_DECRYPT, "key is not 16, 24 or 32 bytes", header)
    if not rest or len(rest) % 32 or not _HEX.fullmatch(rest):
        raise _Reject(Reason.CANNOT_DECRYPT, "encrypted part is not whole hex blocks", header)
    decryptor = cipher_for(key).decryptor()
    plain = decryptor.update(bytes.fromhex(rest)) + decryptor.finalize()
    try:
        text = plain.decode("ascii")
    except UnicodeDecodeError:
        raise _Reject(Reason.CANNOT_DECRYPT, "wrong key or damaged data", header) from None
    pad, sep, content = text.partition("|")
    if not sep or not text.isprintable() or "[" in pad or "]" in pad:
        raise _Reject(Reason.CANNOT_DECRYPT, "wrong key or damaged data", header)
    return content


def _check_time(ts: str | None, now: datetime, required: bool, header: _Head) -> datetime | None:
    if ts is None:
        if required:
            raise _Reject(Reason.TIMESTAMP_WINDOW, "encrypted message without timestamp", header)
        return None
    try:
        # _TAIL matched HH:MM:SS,MM-DD-YYYY already: slicing is ~10x cheaper than strptime
        # (7% of the event loop's time under bench/sia), and datetime() checks the ranges.
        when = datetime(
            int(ts[15:19]), int(ts[9:11]), int(ts[12:14]),
            int(ts[0:2]), int(ts[3:5]), int(ts[6:8]), tzinfo=UTC,
        )  # fmt: skip
    except ValueError:
        raise _Reject(Reason.BAD_FORMAT, f"invalid timestamp {ts!r}", header) from None
    if not -WINDOW_BEHIND <= when - now <= WINDOW_AHEAD:
        raise _Reject(Reason.TIMESTAMP_WINDOW, f"timestamp {ts} outside +20/-40 s", header)
    return when


def _events(token: str, data: str, header: _Head) -> tuple[SiaEvent, ...]:
    if token == "NULL":
        return ()
    if token == "ADM-CID":
        m = CID_DATA.fullmatch(data)
        if m is None:
            raise _Reject(Reason.BAD_FORMAT, f"malformed Contact ID data {data!r}", header)
        q = {"E": 1, "R": 3}.get(m["q"]) or int(m["q"])
        return (SiaEvent(m["event"], q, m["zone"].upper(), m["group"].upper()),)
    text = data[1:] if data.startswith("N") else data
    events: list[SiaEvent] = []
    mods: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        t = _SIA_TOKEN.match(text, pos)
        if t is None or t.end() == pos:
            raise _Reject(Reason.BAD_FORMAT, f"malformed SIA data {data!r}", header)
        pos = t.end()
        if t["mod"]:
            mods[t["mod"]] = t["mval"]
            continue
        extra = {k: v for k, v in mods.items() if k != "ri"}
        events.append(
            SiaEvent(t["code"], None, t["addr"] or None, mods.get("ri"), t["text"], extra)
        )
    if not events:
        raise _Reject(Reason.BAD_FORMAT, "SIA-DCS message without an event code", header)
    return tuple(events)


@functools.lru_cache(maxsize=256)
def cipher_for(key: bytes) -> Cipher[modes.CBC]:
    """AES-CBC with the all-zero IV of DC-09, one reusable object per account key."""
    # Only its encryptor/decryptor is single-use; building the Cipher costs ~10 µs.
    return Cipher(algorithms.AES(key), modes.CBC(bytes(16)))
