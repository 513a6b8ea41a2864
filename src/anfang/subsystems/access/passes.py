"""Visitor passes: the signed, compact QR payload (pure, standalone).

``encode``, ``decode``, ``verify`` and base45 need only ``cryptography`` and the standard
library: no database, no platform. This is what a gate uses offline; the format is in
docs/visitor-passes.md. Issuing, revoking and the online check are in ``passes_service``.
"""

from __future__ import annotations

import hashlib
import struct
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "AF1:"
VERSION = 1
SIG_LEN = 64
MAX_TEXT = 1200  # a QR code of version 25 or so; anything longer is not ours
MAX_SKEW = timedelta(seconds=120)
_HEAD = struct.Struct(">B4s16sIIIH8sB")  # version, key id, pass id, site, from, until, uses…

# --------------------------------------------------------------------------- base45

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_INDEX = {c: i for i, c in enumerate(B45)}


def b45encode(data: bytes) -> str:
    """RFC 9285 base45: two bytes become three characters of QR's alphanumeric set."""
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        e, n = divmod(n, 45 * 45)
        d, c = divmod(n, 45)
        out += (B45[c], B45[d], B45[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (B45[c], B45[d])
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Decode RFC 9285 base45; ``ValueError`` names what is wrong."""
    if len(text) % 3 == 1:
        raise ValueError("base45 length leaves one character over")
    try:
        vals = [_B45_INDEX[c] for c in text]
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not base45") from None
    out = bytearray()
    for i in range(0, len(vals), 3):
        chunk = vals[i : i + 3]
        n = sum(v * 45**k for k, v in enumerate(chunk))
        if len(chunk) == 3:
            if n > 0xFFFF:
                raise ValueError("base45 triple out of range")
            out += n.to_bytes(2, "big")
        else:
            if n > 0xFF:
                raise ValueError("base45 pair out of range")
            out.append(n)
    return bytes(out)


# --------------------------------------------------------------------------- ids and keys

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_INDEX = {c: i for i, c in enumerate(_CROCKFORD)}


def ulid_to_bytes(ulid: str) -> bytes:
    """The 16 bytes of a 26-character ULID."""
    if len(ulid) != 26 or ulid[0] not in "01234567":
        raise ValueError("not a ULID")
    n = 0
    for c in ulid.upper():
        n = n * 32 + _CROCKFORD_INDEX[c]
    return n.to_bytes(16, "big")


def bytes_to_ulid(raw: bytes) -> str:
    """The ULID text of 16 bytes."""
    n = int.from_bytes(raw, "big")
    return "".join(_CROCKFORD[(n >> (5 * k)) & 31] for k in range(25, -1, -1))


def key_id(public: Ed25519PublicKey) -> bytes:
    """The 4-byte key id: the start of SHA-256 of the raw public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:4]


def name_hash(pass_id: str, name: str) -> bytes:
    """8 bytes binding the visitor's name to the pass (salted by the pass id)."""
    norm = unicodedata.normalize("NFC", " ".join(name.split())).casefold()
    return hashlib.sha256(ulid_to_bytes(pass_id) + norm.encode()).digest()[:8]


# --------------------------------------------------------------------------- payload


class PassInvalid(ValueError):
    """A pass refused; ``reason`` is a machine code (see docs/visitor-passes.md)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PassPayload:
    """What a pass says: who made it (key), which pass, where, when and how often."""

    key_id: bytes
    pass_id: str
    site_id: int
    valid_from: datetime
    valid_until: datetime
    uses: int
    name_hash: bytes
    doors: tuple[str, ...]

    def body(self) -> bytes:
        """The signed bytes."""
        doors = [d.encode("ascii") for d in self.doors]
        head = _HEAD.pack(
            VERSION,
            self.key_id,
            ulid_to_bytes(self.pass_id),
            self.site_id,
            int(self.valid_from.timestamp()),
            int(self.valid_until.timestamp()),
            self.uses,
            self.name_hash,
            len(doors),
        )
        return head + b"".join(bytes([len(d)]) + d for d in doors)


def encode(payload: PassPayload, key: Ed25519PrivateKey) -> str:
    """The QR text of a signed pass: ``AF1:`` + base45(body + Ed25519 signature)."""
    body = payload.body()
    return PREFIX + b45encode(body + key.sign(body))


def decode(text: str) -> tuple[PassPayload, bytes, bytes]:
    """Parse QR text into (payload, signed body, signature); ``PassInvalid('malformed')``."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise PassInvalid("malformed", f"QR text of {len(text)} characters is too long")
    if not text.startswith(PREFIX):
        raise PassInvalid("malformed", f"QR text does not start with {PREFIX!r}")
    try:
        raw = b45decode(text[len(PREFIX) :])
    except ValueError as exc:
        raise PassInvalid("malformed", f"QR text: {exc}") from None
    if len(raw) < _HEAD.size + SIG_LEN:
        raise PassInvalid("malformed", f"pass of {len(raw)} bytes is too short")
    body, sig = raw[:-SIG_LEN], raw[-SIG_LEN:]
    ver, kid, pid, site, t0, t1, uses, nh, n = _HEAD.unpack_from(body)
    if ver != VERSION:
        raise PassInvalid("malformed", f"pass format version {ver} is not supported")
    doors: list[str] = []
    pos = _HEAD.size
    for _ in range(n):
        if pos >= len(body) or pos + 1 + body[pos] > len(body):
            raise PassInvalid("malformed", "door list runs past the end of the pass")
        try:
            doors.append(body[pos + 1 : pos + 1 + body[pos]].decode("ascii"))
        except UnicodeDecodeError:
            raise PassInvalid("malformed", "door code is not ASCII") from None
        pos += 1 + body[pos]
    if pos != len(body):
        raise PassInvalid("malformed", f"{len(body) - pos} unexpected bytes after the doors")
    payload = PassPayload(
        kid,
        bytes_to_ulid(pid),
        site,
        datetime.fromtimestamp(t0, UTC),
        datetime.fromtimestamp(t1, UTC),
        uses,
        nh,
        tuple(doors),
    )
    return payload, body, sig


def verify(
    text: str,
    keys: Mapping[bytes, Ed25519PublicKey] | Ed25519PublicKey,
    now: datetime,
    door: str | None = None,
    *,
    skew: timedelta = MAX_SKEW,
) -> PassPayload:
    """Check a pass offline: format, signature, time window (± ``skew``) and door.

    Raises :class:`PassInvalid` with reason ``malformed``, ``unknown_key``, ``forged``,
    ``not_yet_valid``, ``expired`` or ``wrong_door``. Use counting is the online part.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    payload, body, sig = decode(text)
    if isinstance(keys, Ed25519PublicKey):
        keys = {key_id(keys): keys}
    public = keys.get(payload.key_id)
    if public is None:
        raise PassInvalid("unknown_key", f"signed with unknown key {payload.key_id.hex()}")
    try:
        public.verify(sig, body)
    except InvalidSignature:
        raise PassInvalid("forged", "signature does not match the pass") from None
    if now + skew < payload.valid_from:
        raise PassInvalid("not_yet_valid", f"valid from {payload.valid_from.isoformat()}")
    if now - skew >= payload.valid_until:
        raise PassInvalid("expired", f"expired at {payload.valid_until.isoformat()}")
    if door is not None and door not in payload.doors:
        raise PassInvalid("wrong_door", f"not valid at door {door!r}")
    return payload
